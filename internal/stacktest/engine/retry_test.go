package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
)

// Given a campaign whose policy retries failures and timeouts once, a
// second after they ended, when some devices always fail and some never
// answer, then each of them is sent to twice and ends after two attempts,
// the campaign ends only then, and the counters count each device once,
// by its latest outcome.
func TestRetriedDevicesEndAfterTheirLastAttemptWithExactCounters(t *testing.T) {
	w := newWorld(t, engine.Config{BatchSize: 10, BatchDelay: 5 * time.Millisecond, PollInterval: 100 * time.Millisecond, DeviceTimeout: time.Second})
	w.register("ok", 20, "sensor", "digest-1")
	w.register("fail", 6, "sensor", "digest-1")
	w.register("silent", 3, "sensor", "digest-1")
	w.registerManifest("m1", "sensor")
	w.startSpec("c1", domain.CampaignSpec{Name: "c1", ManifestID: "m1", DeviceFilter: "state__eq=registered",
		Rollout: &domain.RolloutPolicy{Retry: &domain.RetryPolicy{MaxAttempts: 2, BackoffSeconds: 1}}})

	cp := w.waitPhase("c1", domain.PhaseStopped)
	if cp.State() != domain.StateDeployed {
		t.Errorf("campaign ended as %s, want deployed", cp.State())
	}
	ctx := context.Background()
	if err := w.runner.WaitFor(ctx, w.runner.Position()); err != nil {
		t.Fatal(err)
	}
	want := map[domain.UpdateState]int{domain.UpdateDeployed: 20, domain.UpdateFailed: 6, domain.UpdateTimedOut: 3}
	if got := w.counts("c1"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("devices per state %v, want %v", got, want)
	}
	var deployed, failed, timedOut, pending int64
	if err := w.pool.QueryRow(ctx, `SELECT deployed, failed, timed_out, pending FROM campaign_counters WHERE campaign_id = 'c1'`).
		Scan(&deployed, &failed, &timedOut, &pending); err != nil {
		t.Fatal(err)
	}
	if deployed != 20 || failed != 6 || timedOut != 3 || pending != 0 {
		t.Errorf("counters deployed %d failed %d timed_out %d pending %d, want 20, 6, 3, 0", deployed, failed, timedOut, pending)
	}
	rows, err := w.pool.Query(ctx, `SELECT device_id, attempts FROM campaign_device_metadata WHERE campaign_id = 'c1'`)
	if err != nil {
		t.Fatal(err)
	}
	attempts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
		Device   string
		Attempts int
	}])
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range attempts {
		wantAttempts := 2
		if strings.HasPrefix(a.Device, "ok") {
			wantAttempts = 1
		}
		w.devices.mu.Lock()
		sent := w.devices.sent[domain.DeviceID(a.Device)]
		w.devices.mu.Unlock()
		if a.Attempts != wantAttempts || sent != wantAttempts {
			t.Errorf("%s: %d attempts recorded, sent to %d times; want %d", a.Device, a.Attempts, sent, wantAttempts)
		}
	}
}
