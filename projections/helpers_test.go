package projections_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// testTimeout bounds every wait on the runner: a hung runner fails the
// test instead of hanging it.
const testTimeout = 2 * time.Minute

// fixture is a fresh database with the event store and the read models in
// its public schema.
type fixture struct {
	url   string
	pool  *pgxpool.Pool // search_path: public
	store *postgres.EventStore
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := projections.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewEventStore(pool)
	t.Cleanup(store.Close)
	return &fixture{url: url, pool: pool, store: store}
}

// schemaPool creates schema with the read-model tables and returns a pool
// whose search_path names only it: a runner on it writes there.
func (f *fixture) schemaPool(t testing.TB, schema string) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	if _, err := f.pool.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(f.url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := projections.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

// appendAll appends the groups in order, each group in one transaction,
// and returns the position of the last event.
func (f *fixture) appendAll(t testing.TB, groups [][]eventstore.AppendRequest) eventstore.Position {
	t.Helper()
	var last eventstore.Position
	for _, g := range groups {
		results, err := f.store.AppendMulti(context.Background(), g)
		if err != nil {
			t.Fatalf("appending %s: %v", g[0].Stream, err)
		}
		for _, r := range results {
			if last.Less(r.Position) {
				last = r.Position
			}
		}
	}
	return last
}

// appendRaw appends one stored event as is, whatever its type and data.
func (f *fixture) appendRaw(t testing.TB, stream, eventType, data string) eventstore.Position {
	t.Helper()
	res, err := f.store.Append(context.Background(), stream, eventstore.Any,
		eventstore.EventData{ID: uuid.New(), Type: eventType, Data: []byte(data)})
	if err != nil {
		t.Fatal(err)
	}
	return res.Position
}

// running is a runner started in the background.
type running struct {
	runner *projections.Runner
	cancel context.CancelFunc
	done   chan error
}

func start(runner *projections.Runner) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{runner: runner, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- runner.Run(ctx) }()
	return r
}

// waitFor waits until the runner applied pos, failing the test if it
// stops or takes longer than testTimeout.
func (r *running) waitFor(t testing.TB, pos eventstore.Position) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := r.runner.WaitFor(ctx, pos); err != nil {
		t.Fatalf("waiting for position %s (runner at %s): %v", pos, r.runner.Position(), err)
	}
}

// stop cancels the runner and checks that it stopped because of that.
func (r *running) stop(t testing.TB) {
	t.Helper()
	r.cancel()
	if err := r.wait(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("runner stopped with %v, want context.Canceled", err)
	}
}

// wait returns what Run returned.
func (r *running) wait(t testing.TB) error {
	t.Helper()
	select {
	case err := <-r.done:
		return err
	case <-time.After(testTimeout):
		t.Fatal("runner did not stop")
		return nil
	}
}

// runTo runs a runner until it applied pos, then stops it.
func runTo(t testing.TB, runner *projections.Runner, pos eventstore.Position) {
	t.Helper()
	r := start(runner)
	r.waitFor(t, pos)
	r.stop(t)
}

// encode turns domain events into event data with fresh ids.
func encode(t testing.TB, events ...domain.Event) []eventstore.EventData {
	t.Helper()
	out := make([]eventstore.EventData, len(events))
	for i, e := range events {
		name, data, err := domain.EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = eventstore.EventData{ID: uuid.New(), Type: name, Data: data}
	}
	return out
}
