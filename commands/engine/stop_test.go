package engine_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// Given an active campaign whose devices have not answered, when it is
// stopped, then the engine cancels every open device, sent to or not,
// and the campaign ends userstopped.
func TestAStopCancelsTheOpenDevices(t *testing.T) {
	cfg := fast
	cfg.MaxInFlight = 5 // some devices stay pending
	w := newWorld(t, cfg)
	w.devices.setHold(true)
	w.register("ok", 12)
	w.startCampaign("c1")
	w.waitUntil("the first sends", func() bool { return w.devices.written() == 5 })

	if _, err := w.h.StopCampaign(t.Context(), commands.StopCampaign{Meta: w.meta(), CampaignID: "c1"}); err != nil {
		t.Fatal(err)
	}

	cp := w.waitPhase("c1", domain.PhaseStopped)
	if cp.State() != domain.StateUserStopped {
		t.Errorf("campaign ended as %s, want userstopped", cp.State())
	}
	if diff := cmp.Diff(map[domain.UpdateState]int{domain.UpdateCancelled: 12}, w.counts("c1")); diff != "" {
		t.Errorf("devices per state (-want +got):\n%s", diff)
	}
	if n := w.devices.written(); n != 5 {
		t.Errorf("%d manifest writes, want the 5 before the stop", n)
	}
}
