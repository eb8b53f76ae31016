package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
)

// Given a campaign that requires consent, on the read models, when its
// devices' users accept one by one, then the devices awaiting consent keep
// the campaign active without taking MaxInFlight's room, each accepted
// device is sent its manifest, and the campaign ends deployed once the
// last has.
func TestAConsentCampaignRunsAsItsDevicesAreAccepted(t *testing.T) {
	w := newWorld(t, engine.Config{BatchSize: 10, PollInterval: 50 * time.Millisecond, DeviceTimeout: time.Hour, MaxInFlight: 1})
	w.register("ok", 3, "sensor", "digest-1")
	w.registerManifest("m1", "sensor")
	ctx := context.Background()
	if _, err := w.h.CreateUpdate(ctx, commands.CreateUpdate{Meta: w.meta(), UpdateID: "u1",
		Spec: domain.UpdateSpec{SourceID: "m1", SourceType: domain.SourceExternal, Name: "fw 2"}}); err != nil {
		t.Fatal(err)
	}
	w.startSpec("c1", domain.CampaignSpec{Name: "c1", ManifestID: "m1", DeviceFilter: "state__eq=registered", UpdateID: "u1", ConsentRequired: true})

	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateAwaitingConsent: 3})
	time.Sleep(300 * time.Millisecond) // an active campaign's engine looks again every 250ms
	if cp := w.campaign("c1"); cp.Phase() != domain.PhaseActive {
		t.Fatalf("campaign in phase %s while its devices await consent, want active", cp.Phase())
	}
	for i, d := range []domain.DeviceID{"ok-000", "ok-001", "ok-002"} {
		if _, err := w.h.AcceptCampaignUpdate(ctx, commands.AcceptCampaignUpdate{Meta: w.meta(), CampaignID: "c1", DeviceID: d}); err != nil {
			t.Fatal(err)
		}
		w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateDeployed: i + 1, domain.UpdateAwaitingConsent: 2 - i})
	}
	if cp := w.waitPhase("c1", domain.PhaseStopped); cp.State() != domain.StateDeployed {
		t.Errorf("campaign ended as %s, want deployed", cp.State())
	}
}

// campaign loads campaign id.
func (w *world) campaign(id domain.CampaignID) *domain.Campaign {
	cp, err := w.h.Campaign(context.Background(), account, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return cp
}

// nonZero returns the states of counts with devices in them.
func nonZero(counts map[domain.UpdateState]int) map[domain.UpdateState]int {
	out := map[domain.UpdateState]int{}
	for s, n := range counts {
		if n > 0 {
			out[s] = n
		}
	}
	return out
}

// waitCounts waits until the read model shows the campaign's devices per
// state as want (states of none left out), or fails the test.
func (w *world) waitCounts(id domain.CampaignID, want map[domain.UpdateState]int) {
	w.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got := w.counts(id)
		if fmt.Sprint(nonZero(got)) == fmt.Sprint(nonZero(want)) {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("devices per state %v, want %v", got, want)
		}
	}
}
