package engine_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
)

// Given a campaign enrolling its devices a page at a time with a long
// pause between pages, when the engine is replaced by a new one after
// each page, then each new engine resumes at the cursor the events hold:
// no page is enrolled twice nor lost, and the campaign runs to its end.
func TestANewEngineResumesACampaignFromItsEvents(t *testing.T) {
	cfg := fast
	cfg.BatchSize, cfg.BatchDelay = 5, time.Hour // on the fake clock: the next page waits for a restart
	w := newWorld(t, cfg)
	w.register("ok", 12)
	w.startCampaign("c1")

	for pages := 1; pages <= 2; pages++ {
		w.waitUntil("a page enrolled", func() bool { return len(w.enrolledPages("c1")) == pages })
		w.stop()
		w.start()
	}

	cp := w.waitPhase("c1", domain.PhaseStopped)
	if diff := cmp.Diff([]int{5, 5, 2}, w.enrolledPages("c1")); diff != "" {
		t.Errorf("devices per page (-want +got):\n%s", diff)
	}
	if cp.State() != domain.StateDeployed || cp.Enrolled() != 12 {
		t.Errorf("campaign ended as %s with %d devices, want deployed with 12", cp.State(), cp.Enrolled())
	}
	if diff := cmp.Diff(map[domain.UpdateState]int{domain.UpdateDeployed: 12}, w.counts("c1")); diff != "" {
		t.Errorf("devices per state (-want +got):\n%s", diff)
	}
}
