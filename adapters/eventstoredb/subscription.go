package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// SubscribeAll is a catch-up subscription to $all after a position
// (exclusive), filtered on the server to the configured streams. A
// goroutine reads ahead into a buffer; a subscription the server drops
// (a restart, a slow consumer) is renewed from the last event read, so the
// consumer sees every event once, in order; Next reports the failure when
// renewing fails for Config.ResubscribeFor. It ends with ctx or Close.
func (s *EventStore) SubscribeAll(ctx context.Context, after eventstore.Position) (eventstore.Subscription, error) {
	ctx, cancel := context.WithCancel(ctx)
	sub := &subscription{store: s, after: after, items: make(chan item, s.cfg.SubscriptionBuffer),
		cancel: cancel, done: make(chan struct{})}
	es, err := s.subscribe(ctx, after)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("eventstore.SubscribeAll after %s: %w", after, s.wrap(ctx, err))
	}
	go sub.run(ctx, es)
	return sub, nil
}

// subscribe opens the client's subscription with the store's filter.
func (s *EventStore) subscribe(ctx context.Context, after eventstore.Position) (*esdb.Subscription, error) {
	opts := esdb.SubscribeToAllOptions{From: allPosition(after)}
	if s.cfg.AllStreams {
		opts.Filter = esdb.ExcludeSystemEventsFilter()
	} else {
		opts.Filter = &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: s.cfg.StreamPrefixes}
	}
	c := s.conn()
	sub, err := c.SubscribeToAll(ctx, opts)
	if err != nil {
		s.revive(c, err)
	}
	return sub, err
}

// item is an event read ahead, or why reading stopped.
type item struct {
	event eventstore.RecordedEvent
	err   error
}

type subscription struct {
	store   *EventStore
	after   eventstore.Position // the last position read (run's)
	items   chan item
	pending error // an error met after a batch was returned (Next's)
	cancel  context.CancelFunc
	done    chan struct{} // closed when run ends; no more items come
}

// errClosed is what Next returns once the subscription has ended.
var errClosed = errors.New("eventstore.Subscription: closed")

// Next returns at least one event, then whatever else is read ahead, up to
// max. It returns ctx's error when ctx ends first.
func (sub *subscription) Next(ctx context.Context, max int) ([]eventstore.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if sub.pending != nil {
		return nil, sub.pending
	}
	max = maxOr1(max)
	var first item
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case first = <-sub.items:
	case <-sub.done:
		// run ended (Close, or the subscription's context): hand out what
		// it read before.
		select {
		case first = <-sub.items:
		default:
			sub.pending = errClosed
			return nil, errClosed
		}
	}
	if first.err != nil {
		sub.pending = first.err
		return nil, first.err
	}
	out := []eventstore.RecordedEvent{first.event}
	for len(out) < max {
		select {
		case it := <-sub.items:
			if it.err != nil {
				sub.pending = it.err
				return out, nil
			}
			out = append(out, it.event)
		default:
			return out, nil
		}
	}
	return out, nil
}

// Close stops the subscription and waits for its reader to end.
func (sub *subscription) Close() error {
	sub.cancel()
	<-sub.done
	return nil
}

// run reads the subscription into items until ctx ends or the
// subscription cannot be renewed.
func (sub *subscription) run(ctx context.Context, es *esdb.Subscription) {
	defer close(sub.done)
	defer func() { es.Close() }()
	for {
		ev := es.Recv()
		switch {
		case ev.EventAppeared != nil:
			if !sub.deliver(ctx, ev.EventAppeared.Event) {
				return
			}
		case ev.CheckPointReached != nil:
			// The server looked at everything up to here: a renewed
			// subscription need not look again.
			if p := (eventstore.Position{Commit: ev.CheckPointReached.Commit, Prepare: ev.CheckPointReached.Prepare}); sub.after.Less(p) {
				sub.after = p
			}
		case ev.SubscriptionDropped != nil:
			es.Close()
			renewed, err := sub.renew(ctx, ev.SubscriptionDropped.Error)
			if err != nil {
				sub.fail(ctx, err)
				return
			}
			es = renewed
		}
	}
}

// deliver hands one event to Next; it reports false when run must stop.
func (sub *subscription) deliver(ctx context.Context, e *esdb.RecordedEvent) bool {
	pos := position(e)
	if !sub.after.Less(pos) {
		return true // already delivered before a renewal
	}
	sub.after = pos
	if isSystem(e) {
		return true
	}
	r, err := recorded(e)
	if err != nil {
		sub.fail(ctx, fmt.Errorf("eventstore.Subscription: %w", err))
		return false
	}
	select {
	case sub.items <- item{event: r}:
		return true
	case <-ctx.Done():
		return false
	}
}

// renew subscribes again after the last event read, backing off from
// 100 ms to 5 s, for Config.ResubscribeFor at most.
func (sub *subscription) renew(ctx context.Context, dropped error) (*esdb.Subscription, error) {
	wait := 100 * time.Millisecond
	deadline := time.Now().Add(sub.store.cfg.ResubscribeFor)
	err := dropped
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(wait, time.Until(deadline))):
		}
		es, serr := sub.store.subscribe(ctx, sub.after)
		if serr == nil {
			return es, nil
		}
		err = serr
		wait = min(wait*2, 5*time.Second)
	}
	return nil, fmt.Errorf("eventstore.Subscription: dropped after %s and not renewed within %s: %w",
		sub.after, sub.store.cfg.ResubscribeFor, sub.store.wrap(ctx, err))
}

// fail hands an error to Next, unless the subscription is closing.
func (sub *subscription) fail(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	select {
	case sub.items <- item{err: err}:
	case <-ctx.Done():
	}
}

func maxOr1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
