package projections_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// walkInWave moves a device through the states as walk does, each change
// carrying the wave the device was started in, as the Device records it.
func (w *world) walkInWave(device domain.DeviceID, wave int, code int, states ...domain.UpdateState) {
	key := domain.DeviceStream("acme", device) + "|main"
	for i, to := range states {
		c := 0
		if i == len(states)-1 {
			c = code
		}
		w.emit(domain.DeviceStream("acme", device), domain.DeviceUpdateStateChanged{CampaignID: "main", From: w.states[key], To: to,
			ResultCode: c, Wave: wave, At: w.now()})
		w.states[key] = to
	}
}

// Given devices started in two waves, campaign_wave_counters counts each
// wave's starts and outcomes from the events' From, To and wave alone,
// the engine reads a wave's row and the campaign's starts from them, each
// device's metadata names its wave, and a rebuild gives the same rows.
func TestWaveCountersCountEachWaveFromTheEvents(t *testing.T) {
	w := newWorld(t)
	w.manifest("acme", "m1", "sensor")
	w.campaign("acme", "main", "main", "m1")
	for _, d := range []domain.DeviceID{"d1", "d2", "d3", "d4", "d5"} {
		w.device("acme", d, "sensor", "fw-1")
		w.enroll("acme", d, "main")
	}
	w.walkInWave("d1", 1, 0, domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateDeployed)
	w.walkInWave("d2", 1, 7, domain.UpdateScheduled, domain.UpdateFailed)
	w.walkInWave("d3", 2, 0, domain.UpdateScheduled, domain.UpdateTimedOut)
	w.walkInWave("d4", 2, 0, domain.UpdateScheduled, domain.UpdateDownloading)
	w.project()
	ctx := testCtx(t)
	q := projections.NewEngineQueries(w.f.pool)

	got := map[int]projections.WaveProgress{}
	for _, wave := range []int{1, 2, 3} {
		p, err := q.WaveProgress(ctx, "main", wave)
		if err != nil {
			t.Fatal(err)
		}
		got[wave] = p
	}
	want := map[int]projections.WaveProgress{
		1: {Started: 2, Deployed: 1, Failed: 1},
		2: {Started: 2, Open: 1, TimedOut: 1},
		3: {},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wave progress (-want +got):\n%s", diff)
	}
	p, err := q.CampaignProgress(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	if wantP := (projections.Progress{Targeted: 5, Enrolled: 5, Open: 2, InFlight: 1, Deployed: 1, Failed: 1, TimedOut: 1, Started: 4}); p != wantP {
		t.Errorf("campaign progress %+v, want %+v", p, wantP)
	}
	rows, err := w.f.pool.Query(ctx, `SELECT device_id, wave FROM campaign_device_metadata WHERE campaign_id = 'main' ORDER BY device_id`)
	if err != nil {
		t.Fatal(err)
	}
	waves := map[string]int{}
	for rows.Next() {
		var id string
		var wave int
		if err := rows.Scan(&id, &wave); err != nil {
			t.Fatal(err)
		}
		waves[id] = wave
	}
	if diff := cmp.Diff(map[string]int{"d1": 1, "d2": 1, "d3": 2, "d4": 2, "d5": 0}, waves); diff != "" {
		t.Errorf("metadata waves (-want +got):\n%s", diff)
	}
	if diffs := verify(t, w.f, "verify_waves"); len(diffs) != 0 {
		t.Errorf("a rebuild differs from the live read models:\n%v", diffs)
	}
}
