package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// Append appends events to one stream if its revision matches expected.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	results, err := s.AppendMulti(ctx, []eventstore.AppendRequest{{Stream: stream, Expected: expected, Events: events}})
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return results[0], nil
}

// AppendMulti appends to several streams at once: either every request's
// expectation holds and all events are stored, or nothing is. A request
// whose events are all already stored where they would go is an
// idempotent retry: it reports where they are and stores nothing.
func (s *Store) AppendMulti(ctx context.Context, requests []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(requests); err != nil {
		return nil, err
	}
	t, results, err := s.begin(ctx, requests)
	if err != nil {
		return nil, fmt.Errorf("memstore.Append: %w", err)
	}
	if t != nil {
		t.commit()
	}
	return results, nil
}

// tx is an append whose positions are reserved and whose streams are
// locked, until it commits or rolls back.
type tx struct {
	s       *Store
	first   uint64 // the position of its first event
	streams []string
	events  []eventstore.RecordedEvent
}

// begin checks the requests once no open transaction holds their streams
// or event ids and, when there are events to write, returns them in an
// open transaction that the caller must commit or roll back (nil when
// every request is a retry or empty). The results are the append's.
func (s *Store) begin(ctx context.Context, requests []eventstore.AppendRequest) (*tx, []eventstore.AppendResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.waitFree(ctx, requests); err != nil {
		return nil, nil, err
	}
	results := make([]eventstore.AppendResult, len(requests))
	t := &tx{s: s, first: s.next}
	created := time.Now().UTC()
	for i, r := range requests {
		done, result, err := s.check(r)
		if err != nil {
			return nil, nil, err
		}
		results[i] = result
		if done {
			continue
		}
		revision := uint64(len(s.streams[r.Stream]))
		for _, e := range r.Events {
			t.events = append(t.events, eventstore.RecordedEvent{
				ID: e.ID, Stream: r.Stream, Revision: revision, Position: pos(t.first + uint64(len(t.events))),
				Type: e.Type, Data: storedData(e.Data), Metadata: e.Metadata, Created: created,
			})
			revision++
		}
		results[i] = eventstore.AppendResult{NextExpected: revision - 1, Position: t.events[len(t.events)-1].Position}
		t.streams = append(t.streams, r.Stream)
	}
	if len(t.events) == 0 {
		return nil, results, nil
	}
	s.next += uint64(len(t.events))
	s.open[t] = true
	for _, stream := range t.streams {
		s.locked[stream] = true
	}
	for _, e := range t.events {
		s.pending[e.ID] = true
	}
	return t, results, nil
}

// waitFree waits until no open transaction writes one of the requests'
// streams or event ids, as an append on Postgres waits for the streams'
// locks and for the unique index on event ids. s.mu must be held; it is
// held again on return.
func (s *Store) waitFree(ctx context.Context, requests []eventstore.AppendRequest) error {
	busy := func() bool {
		for _, r := range requests {
			if s.locked[r.Stream] || slices.ContainsFunc(r.Events, func(e eventstore.EventData) bool { return s.pending[e.ID] }) {
				return true
			}
		}
		return false
	}
	for busy() {
		ended := s.ended
		s.mu.Unlock()
		select {
		case <-ended:
		case <-ctx.Done():
		}
		s.mu.Lock()
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// commit stores the transaction's events and wakes the subscriptions.
func (t *tx) commit() {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range t.events {
		s.streams[e.Stream] = append(s.streams[e.Stream], e)
		s.byID[e.ID] = e
	}
	// A transaction held open commits after later ones: its events go
	// where their positions are.
	at, _ := slices.BinarySearchFunc(s.log, t.first, func(e eventstore.RecordedEvent, p uint64) int {
		return cmp.Compare(e.Position.Commit, p)
	})
	s.log = slices.Insert(s.log, at, t.events...)
	s.end(t)
}

// rollback drops the transaction's events; their positions stay unused,
// as a Postgres sequence's do.
func (t *tx) rollback() {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	t.s.end(t)
}

// end releases the transaction's streams and ids and lifts its fence.
// s.mu must be held.
func (s *Store) end(t *tx) {
	delete(s.open, t)
	for _, stream := range t.streams {
		delete(s.locked, stream)
	}
	for _, e := range t.events {
		delete(s.pending, e.ID)
	}
	s.signal()
}

// storedData copies event data so that the caller's slice is not kept;
// no data is stored as {}, as on Postgres.
func storedData(data []byte) []byte {
	if len(data) == 0 {
		return []byte("{}")
	}
	return slices.Clone(data)
}
