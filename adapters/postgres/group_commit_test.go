package postgres

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// groupStore is a store on its own database whose batcher records its
// combined calls and never starts a second flusher, so that a test can
// make appends share a transaction (see together).
type groupStore struct {
	*EventStore
	url      string
	mu       sync.Mutex
	combined [][]string // the streams of each combined call
	failed   []error    // the error of each, nil when it committed
}

func newGroupStore(t *testing.T) *groupStore {
	t.Helper()
	pool := pgtest.NewPool(t)
	if err := Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	g := &groupStore{EventStore: NewEventStore(pool), url: pool.Config().ConnString()}
	t.Cleanup(g.Close)
	g.batcher.stall = time.Hour
	g.batcher.combined = func(ctx context.Context, rs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
		results, err := g.commit(ctx, rs)
		var names []string
		for _, r := range rs {
			names = append(names, r.Stream)
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		g.combined = append(g.combined, names)
		g.failed = append(g.failed, err)
		return results, err
	}
	return g
}

// call is one caller's append, and what it got.
type call struct {
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.EventData
	result   eventstore.AppendResult
	err      error
}

// together makes the calls at once while an append to another stream is
// held on its stream lock, so that they all queue behind it and are taken
// into one batch when the lock is let go (one combined call, except that
// two appends to one stream never share one).
func (g *groupStore) together(t *testing.T, calls []*call) {
	t.Helper()
	ctx := context.Background()
	holder, err := pgx.Connect(ctx, g.url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	key := lockKeys([]string{"held"})[0]
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, streamLockSpace, key); err != nil {
		t.Fatal(err)
	}
	heldDone := make(chan error, 1)
	go func() {
		_, err := g.Append(ctx, "held", eventstore.Any, event())
		heldDone <- err
	}()
	waitUntil(t, "the held append taken", func() bool {
		g.batcher.mu.Lock()
		defer g.batcher.mu.Unlock()
		return g.batcher.flushers == 1 && len(g.batcher.pending) == 0
	})
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Go(func() {
			var results []eventstore.AppendResult
			results, c.err = g.AppendMulti(ctx, []eventstore.AppendRequest{{Stream: c.stream, Expected: c.expected, Events: c.events}})
			if c.err == nil {
				c.result = results[0]
			}
		})
	}
	waitUntil(t, "the appends queued", func() bool { return queued(g.batcher) == len(calls) })
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, streamLockSpace, key); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := <-heldDone; err != nil {
		t.Fatalf("the held append: %v", err)
	}
}

func event() eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "Tested", Data: []byte(`{}`)}
}

// mustAppend appends alone, before the appends under test.
func (g *groupStore) mustAppend(t *testing.T, stream string, events ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	result, err := g.Append(context.Background(), stream, eventstore.NoStream, events...)
	if err != nil {
		t.Fatal(err)
	}
	return result
}

// storedAt reads where the stream's events are.
func (g *groupStore) storedAt(t *testing.T, stream string) []eventstore.RecordedEvent {
	t.Helper()
	events, err := g.ReadStream(context.Background(), stream, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatalf("reading %s: %v", stream, err)
	}
	return events
}

// Appends that share a transaction each get what they would have got
// alone: a new stream, an append at an expected revision, and an
// idempotent retry, which reports where its events already are.
func TestAppendsMadeTogetherShareOneTransaction(t *testing.T) {
	g := newGroupStore(t)
	old := g.mustAppend(t, "old", event())
	retried := []eventstore.EventData{event(), event()}
	first := g.mustAppend(t, "retried", retried...)

	calls := []*call{
		{stream: "new", expected: eventstore.NoStream, events: []eventstore.EventData{event()}},
		{stream: "old", expected: eventstore.Exact(old.NextExpected), events: []eventstore.EventData{event(), event()}},
		{stream: "retried", expected: eventstore.NoStream, events: retried},
	}
	g.together(t, calls)

	if len(g.combined) != 1 || len(g.combined[0]) != 3 || g.failed[0] != nil {
		t.Fatalf("combined calls %v (errors %v), want one of the three appends that committed", g.combined, g.failed)
	}
	for _, c := range calls {
		if c.err != nil {
			t.Fatalf("append to %s: %v", c.stream, c.err)
		}
	}
	if c := calls[2]; c.result != first {
		t.Errorf("the retry got %+v, want where its events are: %+v", c.result, first)
	}
	for _, c := range calls[:2] {
		stored := g.storedAt(t, c.stream)
		last := stored[len(stored)-1]
		want := eventstore.AppendResult{NextExpected: last.Revision, Position: last.Position}
		if c.result != want || last.ID != c.events[len(c.events)-1].ID {
			t.Errorf("append to %s got %+v, want its own last event's revision and position %+v", c.stream, c.result, want)
		}
	}
	if n := len(g.storedAt(t, "retried")); n != 2 {
		t.Errorf("the retried stream holds %d events, want the 2 stored once", n)
	}
}

// When one append of a combined transaction conflicts, nothing of the
// transaction is stored; each append runs again alone and gets its own
// outcome: the conflict for one, the others stored.
func TestAConflictInACombinedTransactionFailsOnlyItsOwnAppend(t *testing.T) {
	g := newGroupStore(t)
	g.mustAppend(t, "conflicting", event())
	calls := []*call{
		{stream: "a", expected: eventstore.NoStream, events: []eventstore.EventData{event()}},
		{stream: "conflicting", expected: eventstore.Exact(7), events: []eventstore.EventData{event()}},
		{stream: "b", expected: eventstore.Any, events: []eventstore.EventData{event(), event()}},
	}
	g.together(t, calls)

	if len(g.combined) != 1 || g.failed[0] == nil {
		t.Fatalf("combined calls %v (errors %v), want one that failed", g.combined, g.failed)
	}
	var conflict *eventstore.ConflictError
	if err := calls[1].err; !errors.As(err, &conflict) || conflict.Actual != 0 || !conflict.Exists {
		t.Errorf("the conflicting append: error %v, want a ConflictError at revision 0", err)
	}
	for _, c := range []*call{calls[0], calls[2]} {
		stored := g.storedAt(t, c.stream)
		if c.err != nil || len(stored) != len(c.events) || c.result.Position != stored[len(stored)-1].Position {
			t.Errorf("append to %s: result %+v, error %v, stored %d events; want its events stored once, alone", c.stream, c.result, c.err, len(stored))
		}
	}
	if n := len(g.storedAt(t, "conflicting")); n != 1 {
		t.Errorf("the conflicting stream holds %d events, want 1", n)
	}
}

// Two callers appending to one stream at once never share a transaction:
// both are stored, one after the other, and each expectation is checked
// against the other's append.
func TestTwoAppendsToOneStreamAtOnce(t *testing.T) {
	g := newGroupStore(t)
	calls := []*call{
		{stream: "twice", expected: eventstore.Any, events: []eventstore.EventData{event()}},
		{stream: "other", expected: eventstore.NoStream, events: []eventstore.EventData{event()}},
		{stream: "twice", expected: eventstore.Any, events: []eventstore.EventData{event()}},
		{stream: "twice", expected: eventstore.NoStream, events: []eventstore.EventData{event()}},
	}
	g.together(t, calls)

	for _, names := range g.combined {
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				t.Errorf("combined call %v takes a stream twice", names)
			}
			seen[n] = true
		}
	}
	stored := g.storedAt(t, "twice")
	revisions := map[uuid.UUID]uint64{}
	for _, e := range stored {
		revisions[e.ID] = e.Revision
	}
	var conflict *eventstore.ConflictError
	for i, c := range []*call{calls[0], calls[2]} {
		if rev, ok := revisions[c.events[0].ID]; c.err != nil || !ok || c.result.NextExpected != rev {
			t.Errorf("append %d to twice: result %+v, error %v, stored at revision %d (%t); want it stored where its result says", i, c.result, c.err, rev, ok)
		}
	}
	// Expecting no stream, it either came first or conflicts.
	if c := calls[3]; c.err == nil && revisions[c.events[0].ID] != 0 || c.err != nil && !errors.As(c.err, &conflict) {
		t.Errorf("append to twice expecting no stream: result %+v, error %v; want revision 0 or a conflict", c.result, c.err)
	}
	want := 2
	if calls[3].err == nil {
		want = 3
	}
	if len(stored) != want {
		t.Errorf("twice holds %d events, want %d", len(stored), want)
	}
}
