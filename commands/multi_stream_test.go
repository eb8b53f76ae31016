package commands_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/eventstoredb"
	"github.com/updateservice/updateservice/adapters/eventstoredb/esdbtest"
	"github.com/updateservice/updateservice/adapters/memstore"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// The multi-stream tests run each command that writes several streams on
// every event store, with a fault in one of its streams: a concurrent
// writer that makes the stream's expected revision wrong, or an append to
// the stream that fails. Then the command is handled again with the same
// command id, as the engine and the queues retry, and every stream it
// writes must hold its events exactly once. On EventStoreDB a
// multi-stream append is not atomic, so the first attempt may have stored
// some streams and not others.

// faultyStore is an event store whose appends to one stream can be made
// to fail.
type faultyStore struct {
	commands.Store
	// failAppends makes appends to stream fail until heal is called.
	failAppends func(t *testing.T, stream string) (heal func())
}

// multiStreamStores are the stores the tests run on.
var multiStreamStores = []struct {
	name string
	open func(t *testing.T) faultyStore
}{
	{"eventstoredb", openEventStoreDB},
	{"memstore", openMemstore},
}

// openEventStoreDB is the production adapter, the real client, on the
// wire-level server; its fault hook refuses the appends to a stream.
func openEventStoreDB(t *testing.T) faultyStore {
	srv, err := esdbtest.Start("127.0.0.1:0", esdbtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	s, err := eventstoredb.New(eventstoredb.Config{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return faultyStore{Store: s, failAppends: func(_ *testing.T, stream string) func() {
		srv.FailAppends(func(name string) bool { return name == stream })
		return func() { srv.FailAppends(nil) }
	}}
}

// openMemstore is an atomic store, the one in memory: a multi-stream
// append is all or nothing, as on Postgres (adapters/postgres checks that
// a failed write rolls back the whole append there). Its fault hook fails
// every append that writes to a stream, and so the whole append.
func openMemstore(*testing.T) faultyStore {
	s := &failingStore{Store: memstore.New()}
	return faultyStore{Store: s, failAppends: func(_ *testing.T, stream string) func() {
		s.failOn(stream)
		return func() { s.failOn("") }
	}}
}

// failingStore refuses the appends that write to one stream.
type failingStore struct {
	commands.Store
	mu     sync.Mutex
	stream string // "": no append fails
}

func (s *failingStore) failOn(stream string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stream = stream
}

func (s *failingStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := s.fault([]eventstore.AppendRequest{{Stream: stream, Events: events}}); err != nil {
		return eventstore.AppendResult{}, err
	}
	return s.Store.Append(ctx, stream, expected, events...)
}

func (s *failingStore) AppendMulti(ctx context.Context, requests []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	if err := s.fault(requests); err != nil {
		return nil, err
	}
	return s.Store.AppendMulti(ctx, requests)
}

// fault returns the error of an append that writes to the failing stream.
func (s *failingStore) fault(requests []eventstore.AppendRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range requests {
		if r.Stream == s.stream && len(r.Events) > 0 {
			return fmt.Errorf("append to %s refused by the test", r.Stream)
		}
	}
	return nil
}

// world is one test's store and handlers. w.h appends through a hook
// where a test plays a concurrent writer; w.raw, the concurrent writer's
// handlers, appends without it.
type world struct {
	t      *testing.T
	ctx    context.Context
	store  faultyStore
	hooked *hookedStore
	h, raw *commands.Handlers
}

func newWorld(t *testing.T, open func(t *testing.T) faultyStore) *world {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	s := open(t)
	hooked := &hookedStore{Store: s}
	clock := func() time.Time { return now }
	return &world{t: t, ctx: ctx, store: s, hooked: hooked, h: commands.New(hooked, clock), raw: commands.New(s, clock)}
}

// given fails the test when a step of the history failed.
func (w *world) given(_ commands.Result, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("history: %v", err)
	}
}

// beforeAppendTo runs write once, before the first append of w.h that
// reaches stream.
func (w *world) beforeAppendTo(stream string, write func()) {
	var once sync.Once
	w.hooked.beforeAppend = func(_ context.Context, requests []eventstore.AppendRequest) {
		if slices.ContainsFunc(requests, func(r eventstore.AppendRequest) bool { return r.Stream == stream }) {
			once.Do(write)
		}
	}
}

// count returns how many events of each type a stream holds.
func (w *world) count(stream string) map[string]int {
	w.t.Helper()
	recorded, err := w.store.ReadStream(w.ctx, stream, eventstore.ReadStreamOptions{})
	if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
		w.t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range recorded {
		out[r.Type]++
	}
	return out
}

// events returns the decoded events of a stream.
func (w *world) events(stream string) []domain.Event {
	w.t.Helper()
	recorded, err := w.store.ReadStream(w.ctx, stream, eventstore.ReadStreamOptions{})
	if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
		w.t.Fatal(err)
	}
	out := make([]domain.Event, len(recorded))
	for i, r := range recorded {
		if out[i], err = domain.DecodeEvent(r.Type, r.Data); err != nil {
			w.t.Fatal(err)
		}
	}
	return out
}

// once checks that the stream holds one event of each of the types.
func (w *world) once(stream string, types ...string) {
	w.t.Helper()
	got := w.count(stream)
	for _, typ := range types {
		if got[typ] != 1 {
			w.t.Errorf("%s holds %d %s events, want 1 (all: %v)", stream, got[typ], typ, got)
		}
	}
}

// multiStreamCase is a command that writes several streams.
type multiStreamCase struct {
	// given makes the history the command runs on.
	given func(w *world)
	// run handles the command, with the same command id every time.
	run func(w *world) error
	// conflicts are concurrent writes to a stream the command writes.
	conflicts []concurrentWrite
	// failOn are streams whose append is made to fail.
	failOn []string
	// last is the stream whose events follow from the others': while
	// another stream's append fails, it records nothing of the command.
	last string
	// whole checks that every stream holds the command's events once.
	whole func(w *world)
}

// concurrentWrite is a write to one of a command's streams between the
// command's read and its append.
type concurrentWrite struct {
	stream string
	write  func(w *world)
	// what the write does, for the test's name.
	what string
	// whole, when set, replaces the case's check: for a write that
	// changes the command's decision.
	whole func(w *world)
}

func runMultiStream(t *testing.T, c multiStreamCase) {
	for _, s := range multiStreamStores {
		for _, cw := range c.conflicts {
			t.Run(fmt.Sprintf("%s: %s, concurrently", s.name, cw.what), func(t *testing.T) {
				w := newWorld(t, s.open)
				c.given(w)
				w.beforeAppendTo(cw.stream, func() { cw.write(w) })
				if err := c.run(w); err != nil {
					t.Fatalf("the command failed after a conflict: %v", err)
				}
				if cw.whole != nil {
					cw.whole(w)
				} else {
					c.whole(w)
				}
			})
		}
		for _, stream := range c.failOn {
			t.Run(fmt.Sprintf("%s: a failed append to %s, then a retry", s.name, stream), func(t *testing.T) {
				w := newWorld(t, s.open)
				c.given(w)
				var before map[string]int
				if c.last != "" && stream != c.last {
					before = w.count(c.last)
				}
				heal := w.store.failAppends(t, stream)
				if err := c.run(w); err == nil {
					t.Fatalf("the command succeeded though its append to %s failed", stream)
				}
				if before != nil && !maps.Equal(before, w.count(c.last)) {
					t.Errorf("%s went from %v to %v though the append to %s failed", c.last, before, w.count(c.last), stream)
				}
				heal()
				for range 2 { // the retry, then a redelivery of the done command
					if err := c.run(w); err != nil {
						t.Fatalf("the retried command failed: %v", err)
					}
				}
				c.whole(w)
			})
		}
	}
}
