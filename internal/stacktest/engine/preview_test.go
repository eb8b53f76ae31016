package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/internal/wiring"
	"github.com/updateservice/updateservice/projections"
)

// caughtUp waits until the read models reflect every event so far.
func (w *world) caughtUp() {
	w.t.Helper()
	if err := w.runner.WaitFor(context.Background(), w.runner.Position()); err != nil {
		w.t.Fatal(err)
	}
}

// skippedByReason reads the campaign's skipped devices per reason from
// the campaign-device metadata read model.
func (w *world) skippedByReason(id domain.CampaignID) map[domain.SkipReason]int {
	w.t.Helper()
	rows, err := w.pool.Query(context.Background(), `SELECT skip_reason, count(*) FROM campaign_device_metadata
		WHERE campaign_id = $1 AND update_state = 'skipped' GROUP BY skip_reason`, id)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[domain.SkipReason]int{}
	var reason domain.SkipReason
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&reason, &n}, func() error { out[reason] = n; return nil }); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// Given a catalog with a device of every verdict (enrolled; skipped as
// of another class, up to date, deregistered, in another campaign), when
// draft campaign c1 over all of them is previewed, then started, then
// the start enrolled and skipped, by reason, what the preview counted,
// in the waves it planned, and the read model's counters say the same.
func TestAPreviewCountsWhatTheStartThenEnrolsAndSkips(t *testing.T) {
	cfg := engine.Config{BatchSize: 7, BatchDelay: 5 * time.Millisecond, PollInterval: 200 * time.Millisecond, DeviceTimeout: time.Hour}
	w := newWorld(t, cfg)
	ctx := context.Background()
	w.register("ok", 23, "sensor", "digest-1")
	w.register("silent", 4, "sensor", "digest-1")
	w.register("camera", 6, "camera", "digest-1")
	w.register("current", 5, "sensor", "digest-2")
	w.register("gone", 3, "sensor", "digest-1")
	for i := range 3 {
		if _, err := w.h.DeregisterDevice(ctx, commands.DeregisterDevice{Meta: w.meta(), DeviceID: domain.DeviceID(fmt.Sprintf("gone-%03d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	w.registerManifest("m1", "sensor")
	// c0 holds the silent devices, which never answer: they stay in it.
	w.startSpec("c0", domain.CampaignSpec{Name: "c0", ManifestID: "m1", DeviceFilter: "id__in=silent-000,silent-001,silent-002,silent-003"})
	w.waitCounts("c0", map[domain.UpdateState]int{domain.UpdateScheduled: 4})
	policy := domain.RolloutPolicy{Waves: []domain.Wave{{Percent: 30, SoakSeconds: 1}, {Percent: 100}}}
	if _, err := w.h.CreateCampaign(ctx, commands.CreateCampaign{Meta: w.meta(), CampaignID: "c1", Spec: domain.CampaignSpec{
		Name: "c1", ManifestID: "m1", DeviceFilter: "mechanism__eq=connector", Rollout: &policy}}); err != nil {
		t.Fatal(err)
	}
	w.caughtUp()

	previews := wiring.Previews{Commands: w.h, Catalog: projections.NewQueries(w.pool), BatchSize: cfg.BatchSize, BatchDelay: cfg.BatchDelay}
	p, err := previews.PreviewCampaign(ctx, account, "c1")
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped := map[domain.SkipReason]int{domain.SkipInOtherCampaign: 4, domain.SkipDeviceClassMismatch: 6,
		domain.SkipAlreadyUpdated: 5, domain.SkipDeregistered: 3}
	if p.Targeted != 23 || !cmp.Equal(p.Skipped, wantSkipped) {
		t.Fatalf("preview targets %d and skips %v; want 23 and %v", p.Targeted, p.Skipped, wantSkipped)
	}
	if _, err := w.h.StartCampaign(ctx, commands.StartCampaign{Meta: w.meta(), CampaignID: "c1"}); err != nil {
		t.Fatal(err)
	}
	cp := w.waitPhase("c1", domain.PhaseStopped)
	w.caughtUp()

	if cp.Enrolled() != p.Targeted || !cmp.Equal(cp.SkippedByReason(), p.Skipped) {
		t.Errorf("the start enrolled %d and skipped %v; the preview said %d and %v", cp.Enrolled(), cp.SkippedByReason(), p.Targeted, p.Skipped)
	}
	var sizes []int
	for _, wave := range p.Waves {
		sizes = append(sizes, wave.Size)
	}
	if !cmp.Equal(sizes, cp.WaveSizes()) {
		t.Errorf("the preview planned waves of %v; the start's are %v", sizes, cp.WaveSizes())
	}
	if got := w.skippedByReason("c1"); !cmp.Equal(got, p.Skipped) {
		t.Errorf("the metadata's skipped devices by reason are %v; the preview said %v", got, p.Skipped)
	}
	var targeted, skipped, deployed int
	if err := w.pool.QueryRow(ctx, `SELECT targeted, skipped, deployed FROM campaign_counters WHERE campaign_id = 'c1'`).
		Scan(&targeted, &skipped, &deployed); err != nil {
		t.Fatal(err)
	}
	if want := p.Targeted + 18; targeted != want || skipped != 18 || deployed != p.Targeted {
		t.Errorf("counters: targeted %d skipped %d deployed %d; want %d, 18 and the preview's %d", targeted, skipped, deployed, want, p.Targeted)
	}
}
