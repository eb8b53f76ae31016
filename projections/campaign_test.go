package projections_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

const (
	acme     = domain.AccountID("acme")
	scripted = domain.CampaignID("c1")
	manifest = domain.ManifestID("m1")
)

// scriptedDevices are the devices of the scripted campaign and the steps
// of their updates after the enrolment; "skip:" devices are skipped.
var scriptedDevices = []struct {
	id    domain.DeviceID
	skip  domain.SkipReason
	steps []domain.UpdateState
	code  int
}{
	{id: "d1", steps: []domain.UpdateState{"scheduled", "updated_connector_channel", "downloading", "installing", "deployed"}},
	{id: "d2", steps: []domain.UpdateState{"scheduled", "updated_connector_channel", "deployed"}},
	{id: "d3", steps: []domain.UpdateState{"scheduled", "updated_connector_channel", "downloading", "failed"}, code: 101},
	{id: "d4", steps: []domain.UpdateState{"scheduled", "failed_connector_channel_update"}},
	{id: "d5", steps: []domain.UpdateState{"scheduled", "updated_connector_channel", "timed_out"}},
	{id: "d6", steps: []domain.UpdateState{"rejected"}},
	{id: "d7"}, // still pending: cancelled by the stop
	{id: "d8", steps: []domain.UpdateState{"scheduled"}}, // deregistered while scheduled
	{id: "d9", skip: domain.SkipDeregistered},
	{id: "d10", skip: domain.SkipDeviceClassMismatch},
}

// scriptedHistory returns a campaign over ten devices with every kind of
// outcome, cut where the campaign is active with updates under way and
// where it has stopped.
func scriptedHistory(t *testing.T) (active, stopped [][]eventstore.AppendRequest) {
	s := newSim(t)
	registerManifest(s, acme, manifest, "sensor")
	for _, d := range scriptedDevices {
		s.register(acme, d.id, "Boiler "+string(d.id), "sensor", "floor-1")
	}
	s.deregister(acme, "d9")
	s.campaign(scripted, created(s, acme, scripted, manifest, false),
		domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: s.now()},
		domain.CampaignQuotaAllocated{At: s.now()},
		domain.CampaignManifestChecked{ManifestTimestamp: s.clock, At: s.now()})
	var fanout []eventstore.AppendRequest
	for _, d := range scriptedDevices {
		if d.skip != "" {
			fanout = append(fanout, s.skip(acme, d.id, scripted, d.skip))
		} else {
			fanout = append(fanout, s.enrolment(acme, d.id, scripted, manifest))
		}
	}
	s.groups = append(s.groups, append(fanout, s.request(domain.CampaignStream(scripted),
		domain.CampaignBatchProcessed{Batch: 0, Enrolled: 8, Skipped: map[domain.SkipReason]int{"deregistered": 1, "device_class_mismatch": 1}, Last: true, At: s.now()})))
	s.campaign(scripted, domain.CampaignPublishing{At: s.now()}, domain.CampaignDeploying{At: s.now()})
	for _, d := range scriptedDevices {
		for i, step := range d.steps {
			if i < 2 || len(d.steps) <= 2 { // first steps only: updates under way
				s.move(acme, d.id, scripted, step, codeFor(step, d.code))
			}
		}
	}
	active = s.groups
	s.groups = nil
	for _, d := range scriptedDevices {
		for i, step := range d.steps {
			if i >= 2 && len(d.steps) > 2 {
				s.move(acme, d.id, scripted, step, codeFor(step, d.code))
			}
		}
	}
	s.deregister(acme, "d8")
	s.campaign(scripted, domain.CampaignStopRequested{Reason: domain.StateUserStopped, At: s.now()})
	s.move(acme, "d7", scripted, domain.UpdateCancelled, 0)
	s.campaign(scripted, domain.CampaignStopped{State: domain.StateUserStopped, At: s.now()})
	return active, s.groups
}

func codeFor(step domain.UpdateState, code int) int {
	if step == domain.UpdateFailed {
		return code
	}
	return 0
}

// A campaign with mixed outcomes has the counters, per-device records and
// statistics its events say, both while it runs and once it stopped. The
// runner takes 4 events per batch, so deltas add up across many batches.
func TestScriptedCampaignReadModels(t *testing.T) {
	f := newFixture(t)
	active, stopped := scriptedHistory(t)
	run := start(projections.NewRunner(f.pool, f.store, projections.Config{BatchSize: 4}))
	defer run.cancel()

	run.waitFor(t, f.appendAll(t, active))
	assertRow(t, f, "counters while active", `SELECT targeted, pending, skipped, rejected, scheduled, updated_connector_channel,
		failed_connector_channel_update, deployed, processed, affected, in_progress, finished FROM campaign_counters WHERE campaign_id = 'c1'`,
		map[string]any{"targeted": int64(10), "pending": int64(1), "skipped": int64(2), "rejected": int64(1), "scheduled": int64(1),
			"updated_connector_channel": int64(4), "failed_connector_channel_update": int64(1), "deployed": int64(0),
			"processed": int64(10), "affected": int64(7), "in_progress": int64(5), "finished": int64(1)})
	assertRow(t, f, "campaign while active", `SELECT phase, state, campaigner_status, batches_processed, manifest_timestamp IS NOT NULL AS checked,
		active_at IS NOT NULL AS active, stopped_at IS NULL AS running FROM campaigns WHERE id = 'c1'`,
		map[string]any{"phase": "active", "state": "deploying", "campaigner_status": "launched", "batches_processed": int32(1),
			"checked": true, "active": true, "running": true})
	assertRow(t, f, "device d1 while active", `SELECT active_campaign_id FROM devices WHERE device_id = 'd1'`,
		map[string]any{"active_campaign_id": "c1"})

	run.waitFor(t, f.appendAll(t, stopped))
	run.stop(t)
	assertRow(t, f, "counters once stopped", `SELECT targeted, pending, skipped, rejected, scheduled, updated_connector_channel,
		failed_connector_channel_update, downloading, installing, deployed, failed, timed_out, cancelled, manifest_removed, deregistered,
		processed, affected, in_progress, completed, failed_total, finished, cancelled_total FROM campaign_counters WHERE campaign_id = 'c1'`,
		map[string]any{"targeted": int64(10), "pending": int64(0), "skipped": int64(2), "rejected": int64(1), "scheduled": int64(0),
			"updated_connector_channel": int64(0), "failed_connector_channel_update": int64(1), "downloading": int64(0),
			"installing": int64(0), "deployed": int64(2), "failed": int64(1), "timed_out": int64(1), "cancelled": int64(1),
			"manifest_removed": int64(0), "deregistered": int64(1), "processed": int64(10), "affected": int64(7),
			"in_progress": int64(0), "completed": int64(2), "failed_total": int64(3), "finished": int64(5), "cancelled_total": int64(2)})
	assertRow(t, f, "campaign once stopped", `SELECT phase, state, campaigner_status, autostop_reason, etag,
		stopped_at = finished AND stopped_at > stopping_at AS stopped FROM campaigns WHERE id = 'c1'`,
		map[string]any{"phase": "stopped", "state": "userstopped", "campaigner_status": "cancelled",
			"autostop_reason": "The campaign was stopped by a user.", "etag": "8", "stopped": true})
	assertRows(t, f, "metadata", `SELECT device_id, update_state, deployment_state, campaigner_status, result_code, skip_reason, name, mechanism
		FROM campaign_device_metadata WHERE campaign_id = 'c1' ORDER BY length(device_id), device_id`, []map[string]any{
		metadata("d1", "deployed", "deployed", "successful", nil, ""),
		metadata("d2", "deployed", "deployed", "successful", nil, ""),
		metadata("d3", "failed", "updated_connector_channel", "failed", int32(101), ""),
		metadata("d4", "failed_connector_channel_update", "failed_connector_channel_update", "failed", nil, ""),
		metadata("d5", "timed_out", "updated_connector_channel", "failed", nil, ""),
		metadata("d6", "rejected", "pending", "rejected", nil, ""),
		metadata("d7", "cancelled", "updated_connector_channel", "cancelled", nil, ""),
		metadata("d8", "deregistered", "deregistered", "cancelled", nil, ""),
		metadata("d9", "skipped", "pending", "rejected", nil, "deregistered"),
		metadata("d10", "skipped", "pending", "rejected", nil, "device_class_mismatch"),
	})
	// Devices, not transitions: each of the 8 enrolled devices counts once
	// in info however many steps it took there; d6, enrolled then
	// rejected, counts in info and in skipped.
	assertRows(t, f, "statistics", `SELECT summary_status, count FROM campaign_statistics WHERE campaign_id = 'c1' ORDER BY 1`,
		[]map[string]any{stat("fail", 3), stat("info", 8), stat("skipped", 3), stat("success", 2)})
	assertRows(t, f, "event types", `SELECT summary_status, event_type, count FROM campaign_event_types WHERE campaign_id = 'c1' ORDER BY 1, 2`,
		[]map[string]any{
			eventType("fail", "SYS_111", 1), eventType("fail", "SYS_120", 1), eventType("fail", "UPD4_FAIL_101", 1),
			eventType("info", "SYS_100", 8), eventType("info", "SYS_101", 6), eventType("info", "SYS_110", 4),
			eventType("info", "SYS_130", 1), eventType("info", "SYS_132", 1),
			eventType("info", "UPD4_STATE_4", 2), eventType("info", "UPD4_STATE_7", 1),
			eventType("skipped", "SYS_102", 1), eventType("skipped", "SYS_202", 1), eventType("skipped", "SYS_203", 1),
			eventType("success", "UPD4_OK_100", 2),
		})
	assertRows(t, f, "devices", `SELECT device_id, state, active_campaign_id FROM devices WHERE device_id IN ('d1', 'd7', 'd8', 'd9') ORDER BY 1`,
		[]map[string]any{
			{"device_id": "d1", "state": "registered", "active_campaign_id": nil},
			{"device_id": "d7", "state": "registered", "active_campaign_id": nil},
			{"device_id": "d8", "state": "deregistered", "active_campaign_id": nil},
			{"device_id": "d9", "state": "deregistered", "active_campaign_id": nil},
		})
	assertCountersMatchMetadata(t, f.pool)
}

func metadata(device, update, deployment, campaigner string, code any, skip string) map[string]any {
	return map[string]any{"device_id": device, "update_state": update, "deployment_state": deployment,
		"campaigner_status": campaigner, "result_code": code, "skip_reason": skip, "name": "Boiler " + device, "mechanism": "connector"}
}

func stat(summary string, n int64) map[string]any {
	return map[string]any{"summary_status": summary, "count": n}
}

func eventType(summary, eventType string, n int64) map[string]any {
	return map[string]any{"summary_status": summary, "event_type": eventType, "count": n}
}

func assertRow(t *testing.T, f *fixture, what, query string, want map[string]any) {
	t.Helper()
	assertRows(t, f, what, query, []map[string]any{want})
}

func assertRows(t *testing.T, f *fixture, what, query string, want []map[string]any) {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToMap)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}
