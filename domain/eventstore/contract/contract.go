// Package contract is the event store port's contract suite. Every
// implementation runs it from its own tests:
//
//	contract.Run(t, contract.Harness{NewStore: ...})
//
// It checks the semantics the rest of the service relies on: expected
// revisions, idempotent retries, stream and global reads, and a catch-up
// subscription that delivers every committed event once, in order.
package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// Harness tells the suite how to make stores and what they can do.
type Harness struct {
	// NewStore returns an empty store for one test.
	NewStore func(t *testing.T) eventstore.Store
	// AtomicMulti says AppendMulti is all-or-nothing across streams.
	AtomicMulti bool
	// SlowAppend, when set, appends in a transaction that stays open for
	// delay after writing, then commits or (commit false) rolls back. The
	// concurrency test uses it to provoke late commits and aborted writes.
	SlowAppend func(ctx context.Context, s eventstore.Store, requests []eventstore.AppendRequest, delay time.Duration, commit bool) error
}

// Run runs the whole suite.
func Run(t *testing.T, h Harness) {
	t.Run("append and read back", func(t *testing.T) { testAppendReadBack(t, h) })
	t.Run("expected revisions", func(t *testing.T) { testExpectedRevisions(t, h) })
	t.Run("idempotent retries", func(t *testing.T) { testIdempotency(t, h) })
	t.Run("multi-stream append", func(t *testing.T) { testAppendMulti(t, h) })
	t.Run("read stream", func(t *testing.T) { testReadStream(t, h) })
	t.Run("read all", func(t *testing.T) { testReadAll(t, h) })
	t.Run("subscription catches up and follows", func(t *testing.T) { testSubscription(t, h) })
	t.Run("concurrent writers and a follower", func(t *testing.T) { testConcurrency(t, h) })
}

// newEvents makes n events of type "Tested" whose data says which is which.
func newEvents(n int, label string) []eventstore.EventData {
	events := make([]eventstore.EventData, n)
	for i := range events {
		data, _ := json.Marshal(map[string]any{"label": label, "n": i})
		events[i] = eventstore.EventData{
			ID:       uuid.New(),
			Type:     "Tested",
			Data:     data,
			Metadata: eventstore.Metadata{AccountID: "acc1", CorrelationID: "corr-" + label, CausationID: "cause-" + label},
		}
	}
	return events
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustAppend(t *testing.T, s eventstore.Store, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(ctxFor(t), stream, expected, events...)
	if err != nil {
		t.Fatalf("append %d events to %s expecting %s: %v", len(events), stream, expected, err)
	}
	return res
}

func readStream(t *testing.T, s eventstore.Store, stream string) []eventstore.RecordedEvent {
	t.Helper()
	events, err := s.ReadStream(ctxFor(t), stream, eventstore.ReadStreamOptions{})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	return events
}

// uniqueStream returns a stream name no other test uses, so that suites
// can also run against a shared real server.
func uniqueStream(kind string) string {
	return fmt.Sprintf("%s-%s", kind, uuid.NewString()[:8])
}

// readAllFrom reads the global order after a position up to the first
// empty batch. A store may hold back events behind writes still in flight
// (the Postgres store's read fence does, server-wide), so an empty batch
// proves nothing: when the caller knows the position of its last append,
// readAllUntil waits for it.
func readAllFrom(t *testing.T, s eventstore.Store, after eventstore.Position) []eventstore.RecordedEvent {
	t.Helper()
	return readAllUntil(t, s, after, eventstore.Start)
}

// readAllUntil reads the global order after a position until it has read
// the event at until, waiting up to 20s for events held back.
func readAllUntil(t *testing.T, s eventstore.Store, after, until eventstore.Position) []eventstore.RecordedEvent {
	t.Helper()
	var all []eventstore.RecordedEvent
	deadline := time.Now().Add(20 * time.Second)
	for {
		batch, err := s.ReadAll(ctxFor(t), after, 100)
		if err != nil {
			t.Fatalf("read all after %s: %v", after, err)
		}
		if len(batch) == 0 {
			if !after.Less(until) {
				return all
			}
			if time.Now().After(deadline) {
				t.Fatalf("read all: position %s not reached within 20s (at %s)", until, after)
			}
			time.Sleep(5 * time.Millisecond)
			continue
		}
		all = append(all, batch...)
		after = batch[len(batch)-1].Position
	}
}

// onlyStreams keeps the events of the given streams.
func onlyStreams(events []eventstore.RecordedEvent, streams map[string]bool) []eventstore.RecordedEvent {
	var out []eventstore.RecordedEvent
	for _, e := range events {
		if streams[e.Stream] {
			out = append(out, e)
		}
	}
	return out
}

func ids(events []eventstore.RecordedEvent) []uuid.UUID {
	out := make([]uuid.UUID, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func dataIDs(events []eventstore.EventData) []uuid.UUID {
	out := make([]uuid.UUID, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}
