package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/updateservice/updateservice/projections"
)

// A runner that lets events gather for an hour still applies an event at
// once for someone who waits for it: a read waiting for its own write is
// never held up by the gathering.
func TestWaitForCutsTheGatheringShort(t *testing.T) {
	f := newFixture(t)
	history := mixedHistory(t, 3, 4)
	first := f.appendAll(t, history[:1])
	r := start(projections.NewRunner(f.pool, f.store, projections.Config{Gather: time.Hour}))
	defer r.stop(t)
	r.waitFor(t, first) // read at once: the runner starts after a quiet spell

	last := f.appendAll(t, history[1:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.runner.WaitFor(ctx, last); err != nil {
		t.Fatalf("waiting for %s with the runner gathering (at %s): %v; want the wait to end the gathering", last, r.runner.Position(), err)
	}
}
