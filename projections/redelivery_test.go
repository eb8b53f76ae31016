package projections_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

var errCrash = errors.New("simulated crash")

// A runner killed in the middle of a batch, after its writes and before
// its commit, leaves nothing of that batch; the restarted runner redoes it
// and the read models end equal to those of a clean run.
func TestCrashMidBatchThenRestartEqualsCleanRun(t *testing.T) {
	for _, tc := range []struct {
		name  string
		crash func(ctx context.Context, kill context.CancelFunc) error
	}{
		{"the batch's transaction fails", func(context.Context, context.CancelFunc) error { return errCrash }},
		{"the process is killed", func(ctx context.Context, kill context.CancelFunc) error { kill(); return ctx.Err() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			end := f.appendAll(t, coalesced(mixedHistory(t, 2, 40), 4))
			crashed := f.schemaPool(t, "crashed")

			// Crash in the third batch.
			ctx, kill := context.WithCancel(context.Background())
			defer kill()
			runner := projections.NewRunner(crashed, f.store, projections.Config{BatchSize: 50})
			batches := 0
			var atCrash eventstore.Position
			projections.SetBeforeCommit(runner, func(ctx context.Context) error {
				if batches++; batches == 3 {
					atCrash = runner.Position()
					return tc.crash(ctx, kill)
				}
				return nil
			})
			err := runner.Run(ctx)
			if batches != 3 || err == nil {
				t.Fatalf("runner stopped after %d batches with %v, want a crash in batch 3", batches, err)
			}
			if got := checkpoint(t, crashed); got != atCrash || got != runner.Position() {
				t.Fatalf("after the crash the checkpoint is %s and the runner at %s, want both at %s: the crashed batch must leave nothing",
					got, runner.Position(), atCrash)
			}

			runTo(t, projections.NewRunner(crashed, f.store, projections.Config{BatchSize: 50}), end)
			runTo(t, projections.NewRunner(f.pool, f.store, projections.Config{}), end)
			assertSameReadModels(t, f.pool, "public", "crashed")
		})
	}
}

// Events delivered again — a source that repeats part of the previous
// batch, as an at-least-once subscription may — are applied once.
func TestRedeliveredEventsAreAppliedOnce(t *testing.T) {
	f := newFixture(t)
	end := f.appendAll(t, coalesced(mixedHistory(t, 3, 40), 4))
	redelivered := f.schemaPool(t, "redelivered")

	runTo(t, projections.NewRunner(redelivered, &repeatingSource{source: f.store}, projections.Config{BatchSize: 30}), end)
	runTo(t, projections.NewRunner(f.pool, f.store, projections.Config{}), end)
	assertSameReadModels(t, f.pool, "public", "redelivered")
}

// repeatingSource delivers each batch with the second half of the previous
// batch in front of it.
type repeatingSource struct {
	source projections.EventSource
}

func (s *repeatingSource) SubscribeAll(ctx context.Context, after eventstore.Position) (eventstore.Subscription, error) {
	sub, err := s.source.SubscribeAll(ctx, after)
	return &repeatingSubscription{Subscription: sub}, err
}

type repeatingSubscription struct {
	eventstore.Subscription
	mu       sync.Mutex
	previous []eventstore.RecordedEvent
}

func (s *repeatingSubscription) Next(ctx context.Context, max int) ([]eventstore.RecordedEvent, error) {
	events, err := s.Subscription.Next(ctx, max)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append(append([]eventstore.RecordedEvent{}, s.previous[len(s.previous)/2:]...), events...)
	s.previous = events
	return out, nil
}

// checkpoint reads the runner's checkpoint in the schema of pool.
func checkpoint(t *testing.T, pool *pgxpool.Pool) eventstore.Position {
	t.Helper()
	var commit, prepare int64
	err := pool.QueryRow(context.Background(), `SELECT commit_position, prepare_position FROM projection_checkpoints WHERE name = $1`,
		projections.DefaultName).Scan(&commit, &prepare)
	if err != nil {
		t.Fatal(err)
	}
	return eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}
}
