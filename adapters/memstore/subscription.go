package memstore

import (
	"context"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// SubscribeAll follows the global order after a position: it reads what is
// stored, then waits for appends to commit. The store has no
// SubscribeAllInterested: reading from memory costs next to nothing, so a
// subscriber gains nothing from sleeping through appends it does not act
// on, and consumers fall back to SubscribeAll.
func (s *Store) SubscribeAll(_ context.Context, after eventstore.Position) (eventstore.Subscription, error) {
	return &subscription{store: s, after: after}, nil
}

type subscription struct {
	store *Store
	after eventstore.Position
}

// Next returns the next events after the last delivered one, waiting until
// there are some.
func (sub *subscription) Next(ctx context.Context, max int) ([]eventstore.RecordedEvent, error) {
	s := sub.store
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.mu.Lock()
		events := s.readAll(sub.after, max)
		ended := s.ended // taken with the read: no commit falls between them
		s.mu.Unlock()
		if len(events) > 0 {
			sub.after = events[len(events)-1].Position
			return events, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ended:
		}
	}
}

// Close releases nothing: a subscription holds no resources.
func (sub *subscription) Close() error { return nil }
