// Package memstore is an event store in memory: the event store port with
// the Postgres store's semantics, as the contract suite checks them, and
// no database. Tests of the code above the port run on it; it is also the
// port's semantics written as plainly as they go. Nothing is kept when
// the process ends.
package memstore

import (
	"cmp"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// Store is the event store in memory. It is safe for concurrent use.
//
// An append is a small transaction, as on Postgres: it locks its streams,
// checks them, reserves positions, and later commits or rolls back.
// Readers of the global order see no event at or after the first position
// of a transaction still open, so an append that commits late never lands
// behind a position a reader has passed. Appends commit at once; only the
// tests hold one open (see begin).
type Store struct {
	mu sync.Mutex
	// ended is closed and replaced whenever a transaction ends: waiting
	// appends look at their streams' locks again, subscriptions read again.
	ended chan struct{}
	// next is the position the next transaction's first event gets.
	next uint64
	// log holds the committed events in position order; streams and byID
	// index the same events.
	log     []eventstore.RecordedEvent
	streams map[string][]eventstore.RecordedEvent
	byID    map[uuid.UUID]eventstore.RecordedEvent
	// open holds the transactions not yet ended; locked, the streams they
	// append to; pending, their events' ids.
	open    map[*tx]bool
	locked  map[string]bool
	pending map[uuid.UUID]bool
}

var _ eventstore.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		ended:   make(chan struct{}),
		next:    1,
		streams: map[string][]eventstore.RecordedEvent{},
		byID:    map[uuid.UUID]eventstore.RecordedEvent{},
		open:    map[*tx]bool{},
		locked:  map[string]bool{},
		pending: map[uuid.UUID]bool{},
	}
}

// fence is the first position readers of the global order may not see:
// the first position of the oldest open transaction. s.mu must be held.
func (s *Store) fence() uint64 {
	f := s.next
	for t := range s.open {
		f = min(f, t.first)
	}
	return f
}

// visible returns the committed events readers of the global order may
// see, in position order. s.mu must be held.
func (s *Store) visible() []eventstore.RecordedEvent {
	end, _ := slices.BinarySearchFunc(s.log, s.fence(), func(e eventstore.RecordedEvent, p uint64) int {
		return cmp.Compare(e.Position.Commit, p)
	})
	return s.log[:end]
}

// signal wakes everyone waiting for a transaction to end. s.mu must be held.
func (s *Store) signal() {
	close(s.ended)
	s.ended = make(chan struct{})
}

// clone returns a copy of a stored event that its reader may change.
func clone(e eventstore.RecordedEvent) eventstore.RecordedEvent {
	e.Data = slices.Clone(e.Data)
	return e
}

func pos(p uint64) eventstore.Position {
	return eventstore.Position{Commit: p, Prepare: p}
}
