package projections_test

import (
	"context"
	"errors"
	"testing"

	"github.com/updateservice/updateservice/projections"
)

// Two runners of the same name on the same read models (a deployment
// mistake) never apply a batch twice: the one that loses a race for the
// checkpoint stops with ErrCheckpointMoved, and the read models end equal
// to those of a single runner.
func TestRunnersOfTheSameNameNeverApplyABatchTwice(t *testing.T) {
	f := newFixture(t)
	end := f.appendAll(t, coalesced(mixedHistory(t, 5, 40), 4))
	shared := f.schemaPool(t, "shared")

	first := start(projections.NewRunner(shared, f.store, projections.Config{BatchSize: 10}))
	second := start(projections.NewRunner(shared, f.store, projections.Config{BatchSize: 10}))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	reached := 0
	for _, r := range []*running{first, second} {
		err := r.runner.WaitFor(ctx, end)
		switch {
		case err == nil:
			reached++
		case errors.Is(err, projections.ErrCheckpointMoved):
		default:
			t.Fatalf("runner stopped with %v, want it to reach %s or to stop with ErrCheckpointMoved", err, end)
		}
		r.cancel()
		if err := r.wait(t); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, projections.ErrCheckpointMoved) {
			t.Errorf("runner stopped with %v", err)
		}
	}
	if reached == 0 {
		t.Fatal("no runner reached the end of the history")
	}

	runTo(t, projections.NewRunner(f.pool, f.store, projections.Config{}), end)
	assertSameReadModels(t, f.pool, "public", "shared")
}
