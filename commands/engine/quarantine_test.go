package engine_test

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// plant appends to stream an event of a type no code knows.
func (w *world) plant(stream string) {
	_, err := w.store.Append(w.t.Context(), stream, eventstore.Any, eventstore.EventData{ID: uuid.New(),
		Type: "CampaignTeleported", Data: []byte(`{"to":"mars"}`), Metadata: eventstore.Metadata{AccountID: string(account)}})
	if err != nil {
		w.t.Fatal(err)
	}
}

// waitQuarantined waits until the engine's quarantine holds exactly want,
// and returns the reasons.
func (w *world) waitQuarantined(want ...domain.CampaignID) map[domain.CampaignID]string {
	var got map[domain.CampaignID]string
	w.waitUntil("the quarantine", func() bool {
		got = w.reads.quarantine()
		same := len(got) == len(want)
		for _, id := range want {
			_, in := got[id]
			same = same && in
		}
		return same
	})
	return got
}

// Given a campaign whose stream holds an event no code knows, when the
// engine drives it, then the campaign is quarantined with the reason and
// counted, while the other campaign runs to its end.
func TestACampaignWhoseStreamCannotBeReadIsQuarantinedWhileOthersGoOn(t *testing.T) {
	w := newWorld(t, fast)
	w.register("ok", 15)
	w.registerOf("camera", "cam", 5)
	w.stop()
	w.startCampaignOf("bad", "camera")
	w.plant(domain.CampaignStream("bad"))
	w.startCampaign("good")

	w.start()

	w.waitGood()
	reasons := w.waitQuarantined("bad")
	if !strings.Contains(reasons["bad"], "unknown event type") {
		t.Errorf("quarantine reason %q, want the unknown event type", reasons["bad"])
	}
	if n := w.engine.Quarantined(); n != 1 {
		t.Errorf("engine counted %d quarantined campaigns, want 1", n)
	}
}

// Given a campaign whose step panics (a bug), then the campaign is
// quarantined and the process and the other campaign go on; when the bug
// is gone and an operator asks for a retry, then the campaign is driven
// to its end and leaves the quarantine.
func TestACampaignWhoseStepPanicsIsQuarantinedUntilARetry(t *testing.T) {
	w := newWorld(t, fast)
	var panics atomic.Bool
	panics.Store(true)
	w.reads.beforeProgress = func(campaign domain.CampaignID) {
		if campaign == "bad" && panics.Load() {
			panic("a bug in one campaign's step")
		}
	}
	w.register("ok", 15)
	w.registerOf("camera", "cam", 5)
	w.startCampaignOf("bad", "camera")
	w.startCampaign("good")

	w.waitGood()
	reasons := w.waitQuarantined("bad")
	if !strings.Contains(reasons["bad"], "a bug in one campaign's step") {
		t.Errorf("quarantine reason %q, want the panic", reasons["bad"])
	}

	panics.Store(false)
	w.reads.requestRetry("bad")

	if cp := w.waitPhase("bad", domain.PhaseStopped); cp.State() != domain.StateDeployed || cp.Enrolled() != 5 {
		t.Errorf("the retried campaign ended as %s with %d devices, want deployed with 5", cp.State(), cp.Enrolled())
	}
	w.waitQuarantined()
}

// waitGood waits until campaign good has deployed to every sensor, the
// cameras skipped.
func (w *world) waitGood() {
	w.t.Helper()
	if cp := w.waitPhase("good", domain.PhaseStopped); cp.State() != domain.StateDeployed {
		w.t.Errorf("the good campaign ended as %s, want deployed", cp.State())
	}
	if diff := cmp.Diff(map[domain.UpdateState]int{domain.UpdateDeployed: 15, domain.UpdateSkipped: 5}, w.counts("good")); diff != "" {
		w.t.Errorf("the good campaign's devices per state (-want +got):\n%s", diff)
	}
}
