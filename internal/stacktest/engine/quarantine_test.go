package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// startCameraCampaign starts campaign id of manifest m2, for class camera,
// so that it enrols other devices than startCampaign's.
func (w *world) startCameraCampaign(id domain.CampaignID) { w.startCampaignFor(id, "m2", "camera") }

// plant appends, by SQL, an event of a type no code knows to stream.
func (w *world) plant(stream string) {
	_, err := w.pool.Exec(context.Background(), `INSERT INTO events (position, stream_id, revision, event_id, event_type, data, metadata)
		SELECT allocate_positions(1), $1, max(revision) + 1, gen_random_uuid(), 'CampaignTeleported', '{"to":"mars"}', '{"account_id":"acc1"}'
		FROM events WHERE stream_id = $1`, stream)
	if err != nil {
		w.t.Fatal(err)
	}
}

// quarantinedCampaigns reads the engine's quarantine: campaign → reason.
func (w *world) quarantinedCampaigns() map[domain.CampaignID]string {
	rows, err := w.pool.Query(context.Background(), `SELECT campaign_id, reason FROM quarantined_campaigns WHERE runner = $1`, engine.CheckpointName)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	out := map[domain.CampaignID]string{}
	for rows.Next() {
		var id, reason string
		if err := rows.Scan(&id, &reason); err != nil {
			w.t.Fatal(err)
		}
		out[domain.CampaignID(id)] = reason
	}
	return out
}

// waitQuarantined waits until the engine's quarantine holds exactly want.
func (w *world) waitQuarantined(want ...domain.CampaignID) map[domain.CampaignID]string {
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := w.quarantinedCampaigns()
		same := len(got) == len(want)
		for _, id := range want {
			_, in := got[id]
			same = same && in
		}
		if same {
			return got
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("quarantined campaigns %v, want %v", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A campaign whose stream the engine cannot read is quarantined with the
// reason and counted, the service shows degraded, and the other campaign
// runs to its end. Fixed and marked for retry, the campaign is driven to
// its end too and leaves the quarantine.
func TestACampaignTheEngineCannotReadIsQuarantinedWhileOthersGoOn(t *testing.T) {
	w := newWorld(t, engine.Config{BatchSize: 20, BatchDelay: 5 * time.Millisecond, PollInterval: 200 * time.Millisecond, DeviceTimeout: time.Hour})
	w.register("ok", 30, "sensor", "digest-1")
	w.register("cam", 10, "camera", "digest-1")
	w.stop()
	w.startCameraCampaign("bad")
	w.plant("campaign-bad")
	w.startCampaign("good")
	w.start()

	if cp := w.waitPhase("good", domain.PhaseStopped); cp.State() != domain.StateDeployed {
		t.Errorf("the good campaign ended as %s, want deployed", cp.State())
	}
	reasons := w.waitQuarantined("bad")
	if !strings.Contains(reasons["bad"], "unknown event type") {
		t.Errorf("quarantine reason %q, want the unknown event type", reasons["bad"])
	}
	if n := w.engine.Quarantined(); n != 1 {
		t.Errorf("engine counted %d quarantined campaigns, want 1", n)
	}
	ctx := context.Background()
	queries := projections.NewQueries(w.pool)
	if err := queries.QuarantineCheck(ctx); err == nil || !strings.Contains(err.Error(), "quarantined campaigns: 1") {
		t.Errorf("quarantine check: %v, want one campaign", err)
	}

	// The fix: the planted event goes. Then the retry.
	if _, err := w.pool.Exec(ctx, `DELETE FROM events WHERE event_type = 'CampaignTeleported'`); err != nil {
		t.Fatal(err)
	}
	if n, err := queries.RequestRetry(ctx, "bad"); err != nil || n != 1 {
		t.Fatalf("retry: %d marked, %v; want 1", n, err)
	}
	if cp := w.waitPhase("bad", domain.PhaseStopped); cp.State() != domain.StateDeployed {
		t.Errorf("the retried campaign ended as %s, want deployed", cp.State())
	}
	w.waitQuarantined()
}
