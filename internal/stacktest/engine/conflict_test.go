package engine_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
)

// counter reads one campaign_counters column of a campaign, 0 before the
// row exists.
func (w *world) counter(id domain.CampaignID, column string) int64 {
	w.t.Helper()
	ctx := context.Background()
	if err := w.runner.WaitFor(ctx, w.runner.Position()); err != nil {
		w.t.Fatal(err)
	}
	var n int64
	err := w.pool.QueryRow(ctx, fmt.Sprintf(`SELECT %s FROM campaign_counters WHERE campaign_id = $1`, column), id).Scan(&n)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) { // no row: the campaign's creation is not projected yet
		w.t.Fatal(err)
	}
	return n
}

// waitCounter waits until a campaign's counter reaches want.
func (w *world) waitCounter(id domain.CampaignID, column string, want int64) {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for w.counter(id, column) != want {
		if time.Now().After(deadline) {
			w.t.Fatalf("%s of %s: %d, not %d within 60s", column, id, w.counter(id, column), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var conflictConfig = engine.Config{BatchSize: 10, BatchDelay: 5 * time.Millisecond, PollInterval: 100 * time.Millisecond, DeviceTimeout: time.Hour}

// Given devices in flight in c1, when c2 with conflict policy supersede
// starts over them, then their updates in c1 are cancelled (c1's
// counters: cancelled + 3) and c2 enrols, sends and deploys them.
func TestASupersedingCampaignTakesTheDevicesOfAnother(t *testing.T) {
	w := newWorld(t, conflictConfig)
	w.devices.hold = true
	w.register("ok", 3, "sensor", "digest-1")
	w.startCampaign("c1")
	w.waitCounter("c1", "updated_connector_channel + scheduled", 3)

	w.devices.mu.Lock()
	w.devices.hold = false
	w.devices.mu.Unlock()
	w.startSpec("c2", domain.CampaignSpec{Name: "c2", ManifestID: "m1", DeviceFilter: "state__eq=registered",
		Rollout: &domain.RolloutPolicy{Conflict: domain.ConflictSupersede}})
	w.waitPhase("c2", domain.PhaseStopped)
	w.waitPhase("c1", domain.PhaseStopped)
	if got := w.counter("c1", "cancelled"); got != 3 {
		t.Errorf("c1 cancelled %d, want 3", got)
	}
	if got := w.counter("c1", "targeted - skipped - cancelled"); got != 0 {
		t.Errorf("c1 has %d devices not cancelled, want 0", got)
	}
	if got := w.counter("c2", "deployed"); got != 3 {
		t.Errorf("c2 deployed %d, want 3", got)
	}
}

// Given devices in flight in c1, when c2 with conflict policy queue
// starts over them, then the counters show them queued in c2, which
// stays active; once c1 is stopped (its devices cancelled) c2 releases,
// sends and deploys them.
func TestAQueueingCampaignWaitsForTheDevicesOfAnother(t *testing.T) {
	w := newWorld(t, conflictConfig)
	w.devices.hold = true
	w.register("ok", 3, "sensor", "digest-1")
	w.startCampaign("c1")
	w.waitCounter("c1", "updated_connector_channel + scheduled", 3)

	w.startSpec("c2", domain.CampaignSpec{Name: "c2", ManifestID: "m1", DeviceFilter: "state__eq=registered",
		Rollout: &domain.RolloutPolicy{Conflict: domain.ConflictQueue}})
	w.waitCounter("c2", "queued", 3)
	w.waitPhase("c2", domain.PhaseActive)

	w.devices.mu.Lock()
	w.devices.hold = false
	w.devices.mu.Unlock()
	if _, err := w.h.StopCampaign(context.Background(), commands.StopCampaign{Meta: w.meta(), CampaignID: "c1"}); err != nil {
		t.Fatal(err)
	}
	w.waitPhase("c2", domain.PhaseStopped)
	if got, queued := w.counter("c2", "deployed"), w.counter("c2", "queued"); got != 3 || queued != 0 {
		t.Errorf("c2 deployed %d, queued %d; want 3 and 0", got, queued)
	}
}
