package projections

import (
	"context"
	"sync"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// boundedSource hands a runner the events of source up to a bound that
// only grows, and nothing after it: a scratch runner then stops exactly
// at the live runner's checkpoint, so its tables can be compared with the
// live ones or take their place.
type boundedSource struct {
	source EventSource

	mu      sync.Mutex
	bound   eventstore.Position
	changed chan struct{} // closed and replaced when bound grows
}

func newBoundedSource(source EventSource, bound eventstore.Position) *boundedSource {
	return &boundedSource{source: source, bound: bound, changed: make(chan struct{})}
}

// raise moves the bound to pos, if that is further.
func (b *boundedSource) raise(pos eventstore.Position) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bound.Less(pos) {
		b.bound = pos
		close(b.changed)
		b.changed = make(chan struct{})
	}
}

func (b *boundedSource) current() (eventstore.Position, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bound, b.changed
}

// SubscribeAll subscribes to source and holds back what lies past the bound.
func (b *boundedSource) SubscribeAll(ctx context.Context, after eventstore.Position) (eventstore.Subscription, error) {
	sub, err := b.source.SubscribeAll(ctx, after)
	if err != nil {
		return nil, err
	}
	return &boundedSubscription{b: b, sub: sub, last: after}, nil
}

type boundedSubscription struct {
	b    *boundedSource
	sub  eventstore.Subscription
	last eventstore.Position        // the last event delivered
	held []eventstore.RecordedEvent // read past the bound, not delivered yet
}

// Next returns up to max events up to the bound, waiting for the bound to
// grow once everything up to it was delivered.
func (s *boundedSubscription) Next(ctx context.Context, max int) ([]eventstore.RecordedEvent, error) {
	for {
		bound, changed := s.b.current()
		if s.last.Less(bound) && len(s.held) == 0 {
			events, err := s.sub.Next(ctx, max)
			if err != nil {
				return nil, err
			}
			s.held = events
		}
		n := 0
		for n < len(s.held) && n < max && !bound.Less(s.held[n].Position) {
			n++
		}
		if n > 0 {
			out := s.held[:n:n]
			s.held = s.held[n:]
			s.last = out[n-1].Position
			return out, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *boundedSubscription) Close() error { return s.sub.Close() }
