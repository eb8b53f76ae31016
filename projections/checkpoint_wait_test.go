package projections_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/updateservice/updateservice/projections"
)

// A process that does not run the projections (a follower replica) waits
// for its writes through the checkpoint in Postgres: the wait ends once
// another process's runner has applied them, not before.
func TestWaitForCheckpointEndsWhenAnotherRunnerAppliedTheEvents(t *testing.T) {
	f := newFixture(t)
	end := f.appendAll(t, coalesced(mixedHistory(t, 3, 10), 4))

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	err := projections.WaitForCheckpoint(ctx, f.pool, projections.DefaultName, end)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("before any runner ran: %v, want the wait to last until its deadline", err)
	}

	r := start(projections.NewRunner(f.pool, f.store, projections.Config{}))
	defer r.stop(t)
	ctx, cancel = context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := projections.WaitForCheckpoint(ctx, f.pool, projections.DefaultName, end); err != nil {
		t.Fatalf("with a runner applying the events: %v", err)
	}
}
