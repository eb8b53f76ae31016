package projections_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// retry records the retry of a device's ended update: back to pending as
// its attempt-th attempt (Device rule 9).
func (s *sim) retry(account domain.AccountID, device domain.DeviceID, campaign domain.CampaignID, attempt int) {
	stream := domain.DeviceStream(account, device)
	from := s.updates[stream][campaign]
	s.setState(stream, campaign, domain.UpdatePending)
	s.emit(stream, domain.DeviceUpdateStateChanged{CampaignID: campaign, From: from, To: domain.UpdatePending,
		Reason: "retry", Attempt: attempt, At: s.now()})
}

// A retried device counts once, by its latest outcome, in the counters,
// the Campaigner figures and the statistics' summaries; its records show
// its attempts; the event types keep every failure reported; and the
// campaign as of now reads the same from the history.
func TestRetriedDevicesCountByTheirLatestOutcome(t *testing.T) {
	// Given d1 failed, retried and deployed; d2 timed out, retried and
	// failed again; d3 deployed at once; d4 skipped
	f := newFixture(t)
	s := newSim(t)
	registerManifest(s, acme, manifest, "sensor")
	for _, d := range []domain.DeviceID{"d1", "d2", "d3", "d4"} {
		s.register(acme, d, "Boiler "+string(d), "sensor")
	}
	s.campaign(scripted, created(s, acme, scripted, manifest, false))
	s.groups = append(s.groups, []eventstore.AppendRequest{s.enrolment(acme, "d1", scripted, manifest), s.enrolment(acme, "d2", scripted, manifest),
		s.enrolment(acme, "d3", scripted, manifest), s.skip(acme, "d4", scripted, domain.SkipAlreadyUpdated)})
	for _, step := range []struct {
		d    domain.DeviceID
		to   domain.UpdateState
		code int
	}{{"d1", "scheduled", 0}, {"d1", "failed", 101}, {"d2", "scheduled", 0}, {"d2", "timed_out", 0}, {"d3", "scheduled", 0}, {"d3", "updated_connector_channel", 0}, {"d3", "deployed", 0}} {
		s.move(acme, step.d, scripted, step.to, step.code)
	}
	s.retry(acme, "d1", scripted, 2)
	s.retry(acme, "d2", scripted, 2)
	for _, step := range []struct {
		d    domain.DeviceID
		to   domain.UpdateState
		code int
	}{{"d1", "scheduled", 0}, {"d1", "updated_connector_channel", 0}, {"d1", "deployed", 0}, {"d2", "scheduled", 0}, {"d2", "failed", 101}} {
		s.move(acme, step.d, scripted, step.to, step.code)
	}

	// When the runner applies it
	run := start(projections.NewRunner(f.pool, f.store, projections.Config{BatchSize: 3}))
	run.waitFor(t, f.appendAll(t, s.groups))
	run.stop(t)

	// Then
	assertRow(t, f, "counters", `SELECT targeted, pending, deployed, failed, timed_out, skipped, completed, failed_total, finished
		FROM campaign_counters WHERE campaign_id = 'c1'`, map[string]any{"targeted": int64(4), "pending": int64(0),
		"deployed": int64(2), "failed": int64(1), "timed_out": int64(0), "skipped": int64(1), "completed": int64(2),
		"failed_total": int64(1), "finished": int64(3)})
	assertRows(t, f, "attempts", `SELECT device_id, update_state, attempts FROM campaign_device_metadata WHERE campaign_id = 'c1' ORDER BY 1`,
		[]map[string]any{
			{"device_id": "d1", "update_state": "deployed", "attempts": int32(2)},
			{"device_id": "d2", "update_state": "failed", "attempts": int32(2)},
			{"device_id": "d3", "update_state": "deployed", "attempts": int32(1)},
			{"device_id": "d4", "update_state": "skipped", "attempts": int32(0)},
		})
	assertRows(t, f, "statistics", `SELECT summary_status, count FROM campaign_statistics WHERE campaign_id = 'c1' ORDER BY 1`,
		[]map[string]any{stat("fail", 1), stat("info", 3), stat("skipped", 1), stat("success", 2)})
	assertRows(t, f, "event types", `SELECT summary_status, event_type, count FROM campaign_event_types WHERE campaign_id = 'c1' ORDER BY 1, 2`,
		[]map[string]any{
			eventType("fail", "SYS_120", 1), eventType("fail", "UPD4_FAIL_101", 2),
			eventType("info", "SYS_100", 3), eventType("info", "SYS_101", 5), eventType("info", "SYS_105", 2), eventType("info", "SYS_110", 2),
			eventType("skipped", "SYS_201", 1), eventType("success", "UPD4_OK_100", 2),
		})
	assertCountersMatchMetadata(t, f.pool)
	live, _ := readLiveView(t, projections.NewQueries(f.pool), acme, scripted)
	asOf, err := asOfView(projections.NewHistory(f.pool, f.store), acme, scripted, time.Now())
	check(t, err)
	if diff := cmp.Diff(live, asOf, cmp.AllowUnexported(liveView{})); diff != "" {
		t.Errorf("as of now differs from the live read models (-live +as of):\n%s", diff)
	}
}
