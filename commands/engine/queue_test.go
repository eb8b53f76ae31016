package engine_test

import (
	"testing"

	"github.com/updateservice/updateservice/domain"
)

// Given devices updating in campaign c1, when campaign c2, whose conflict
// policy is queue, starts over them, then they wait queued in c2, sent
// nothing, and c2 does not end; once c1 is over for them, c2 releases,
// sends and deploys them, and ends.
func TestQueuedDevicesAreSentOnceTheirOtherCampaignEnded(t *testing.T) {
	w := newWorld(t, fast)
	w.register("ok", 3)
	w.devices.setHold(true)
	w.startCampaign("c1")
	w.waitUntil("c1's sends", func() bool { return w.devices.written() == 3 })

	looks := w.progressReads()
	w.startCampaignWith("c2", domain.RolloutPolicy{Conflict: domain.ConflictQueue})
	w.waitUntil("c2's devices queued", func() bool { return w.counts("c2")[domain.UpdateQueued] == 3 })
	w.waitLooks(looks)
	if n, cp := w.devices.written(), w.campaign("c2"); n != 3 || cp.Phase() != domain.PhaseActive {
		t.Fatalf("while c1 holds the devices: %d writes, c2 in phase %s; want 3 and active", n, cp.Phase())
	}

	w.devices.setHold(false)
	w.devices.release()
	w.waitPhase("c1", domain.PhaseStopped)
	w.waitPhase("c2", domain.PhaseStopped)
	if got := w.counts("c2"); got[domain.UpdateDeployed] != 3 || len(got) != 1 {
		t.Errorf("c2's devices per state %v, want 3 deployed", got)
	}
	if n := w.devices.written(); n != 6 {
		t.Errorf("%d manifest writes, want 6 (3 per campaign)", n)
	}
}
