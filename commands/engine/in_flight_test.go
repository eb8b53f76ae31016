package engine_test

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/updateservice/updateservice/domain"
)

// progressReads counts the engine's progress reads: an active campaign's
// driver makes one or two at each look, so two more than before mean it
// has looked again at least once.
func (w *world) progressReads() *atomic.Int64 {
	var n atomic.Int64
	w.reads.beforeProgress = func(domain.CampaignID) { n.Add(1) }
	return &n
}

// waitLooks waits until the engine has looked at its campaigns again.
func (w *world) waitLooks(reads *atomic.Int64) {
	after := reads.Load() + 2
	w.waitUntil("the engine looks again", func() bool { return reads.Load() >= after })
}

// Given devices that do not answer yet, when a campaign starts, then the
// engine sends to no more than MaxInFlight of them; as they answer it
// sends to the others, never holding more than MaxInFlight in flight.
func TestNoMoreThanMaxInFlightDevicesAreSentTo(t *testing.T) {
	cfg := fast
	cfg.MaxInFlight = 4
	w := newWorld(t, cfg)
	w.devices.setHold(true)
	w.register("ok", 10)
	var mu sync.Mutex
	most := 0 // devices in flight once a page is sent, at most
	w.beforeSend = func(campaign domain.CampaignID, devices []domain.DeviceID) {
		n := len(devices)
		for state, count := range w.counts(campaign) {
			if slices.Contains(inFlight, state) {
				n += count
			}
		}
		mu.Lock()
		most = max(most, n)
		mu.Unlock()
	}
	looks := w.progressReads()

	w.startCampaign("c1")

	w.waitUntil("the first sends", func() bool { return w.devices.written() >= 4 })
	w.waitLooks(looks)
	if n := w.devices.written(); n != 4 {
		t.Errorf("%d devices sent to while 4 are in flight, want 4", n)
	}
	w.devices.setHold(false)
	w.devices.release()
	w.waitPhase("c1", domain.PhaseStopped)
	if n := w.counts("c1")[domain.UpdateDeployed]; n != 10 {
		t.Errorf("%d devices deployed, want 10", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if most > 4 {
		t.Errorf("%d devices in flight at a send, want at most 4", most)
	}
}
