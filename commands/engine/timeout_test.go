package engine_test

import (
	"testing"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// Given devices that never answer, the engine times them out when the
// timeout clock has passed DeviceTimeout since their last progress, and
// not when only the wall clock has: silence while reports wait to be
// recorded is not the devices'.
func TestSilentDevicesTimeOutByTheTimeoutClock(t *testing.T) {
	for _, c := range []struct {
		name          string
		wall, silence time.Duration
		wantTimedOut  int
		wantPhase     domain.Phase
	}{
		{"the timeout clock passes the timeout: they time out", 0, 2 * time.Hour, 5, domain.PhaseStopped},
		{"only the wall clock passes it: they stay in flight", 2 * time.Hour, 0, 0, domain.PhaseActive},
		{"the timeout clock stays short of it: they stay in flight", 0, 59 * time.Minute, 0, domain.PhaseActive},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, fast) // DeviceTimeout: an hour
			w.register("silent", 5)
			looks := w.progressReads()
			w.startCampaign("c1")
			w.waitUntil("the sends", func() bool { return w.devices.written() == 5 })
			w.waitLooks(looks)

			w.clock.Advance(c.wall)
			w.silence.Advance(c.silence)

			if c.wantPhase == domain.PhaseStopped {
				w.waitPhase("c1", domain.PhaseStopped)
			} else {
				w.waitLooks(looks)
			}
			if n := w.counts("c1")[domain.UpdateTimedOut]; n != c.wantTimedOut {
				t.Errorf("%d devices timed out, want %d", n, c.wantTimedOut)
			}
			if cp := w.campaign("c1"); cp.Phase() != c.wantPhase {
				t.Errorf("campaign in phase %s, want %s", cp.Phase(), c.wantPhase)
			}
		})
	}
}
