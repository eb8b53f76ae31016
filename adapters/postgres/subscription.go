package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// SubscribeAll follows the global order after a position: it reads what is
// stored, then waits for appends: woken by this store's own appends at
// once, by other processes' through LISTEN/NOTIFY, and polling as a
// backstop.
func (s *EventStore) SubscribeAll(ctx context.Context, after eventstore.Position) (eventstore.Subscription, error) {
	return s.SubscribeAllInterested(ctx, after, nil)
}

// SubscribeAllInterested is SubscribeAll for a subscriber that acts only
// on the events interest selects: this store's own appends wake it only
// when they hold one of them. Other processes' appends (their NOTIFY
// says nothing of what they hold) and the poll wake it as they wake any
// subscription. It delivers every event, in order, as SubscribeAll does,
// but those outside the interest without their data and metadata. A nil
// interest is SubscribeAll.
func (s *EventStore) SubscribeAllInterested(ctx context.Context, after eventstore.Position, interest eventstore.Interest) (eventstore.Subscription, error) {
	s.notifier.start()
	sub := &subscription{store: s, after: after, interest: interest}
	if interest != nil {
		sub.waker = s.notifier.register(interest)
	}
	sub.wake = s.notifier.wait(sub.waker) // appends from now on are noticed
	return sub, nil
}

type subscription struct {
	store    *EventStore
	after    eventstore.Position
	interest eventstore.Interest // nil: every event whole
	waker    *waker              // nil: woken by every append
	// wake is the wake-up channel taken before the last read: closed
	// since, an append may have come that the read did not see.
	wake <-chan struct{}
	// retry is how soon to read again after a read that found nothing
	// since a wake-up; zero: no wake-up is unanswered. It outlives a Next
	// that returned older events than the wake-up's, so that the events
	// the fence held back are read soon by the next Next, not at the poll.
	retry time.Duration
}

// Next returns the next events after the last delivered one, waiting until
// there are some.
func (sub *subscription) Next(ctx context.Context, max int) ([]eventstore.RecordedEvent, error) {
	// After a wake-up, a read may not find the events that woke it (the
	// fence holds them back behind an older transaction, anywhere on the
	// server, which sends no notification when it ends): read again soon,
	// backing off to the poll interval.
	for {
		select {
		case <-sub.wake: // woken since the last read, perhaps between two Nexts
			sub.retry = min(time.Millisecond, sub.store.PollInterval)
		default:
		}
		wake := sub.store.notifier.wait(sub.waker)
		sub.wake = wake
		events, err := sub.store.readAll(ctx, sub.after, max, sub.interest)
		if err != nil {
			return nil, err
		}
		if len(events) > 0 {
			sub.after = events[len(events)-1].Position
			return events, nil
		}
		timeout := sub.store.PollInterval
		if sub.retry > 0 {
			timeout = sub.retry
			if sub.retry = 2 * sub.retry; sub.retry >= sub.store.PollInterval {
				sub.retry = 0 // the poll takes over
			}
		}
		if err := sleep(ctx, wake, timeout); err != nil {
			return nil, err
		}
	}
}

// sleep waits for the wake channel, the timeout or the context.
func sleep(ctx context.Context, wake <-chan struct{}, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	case <-wake:
	}
	return nil
}

func (sub *subscription) Close() error {
	sub.store.notifier.unregister(sub.waker)
	return nil
}

// notifier wakes the waiting subscriptions of the store when an append
// commits: the store's own appends call appended, and one connection
// listens for the notifications of other processes' stores (ignoring its
// own store's, named by self). If the connection fails it reconnects;
// meanwhile subscriptions fall back to polling.
type notifier struct {
	pool       *pgxpool.Pool
	self       string
	mu         sync.Mutex
	ch         chan struct{} // closed and replaced on each notification
	interested map[*waker]bool
	started    bool
	cancel     context.CancelFunc
	done       chan struct{}
}

func newNotifier(pool *pgxpool.Pool, self string) *notifier {
	return &notifier{pool: pool, self: self, ch: make(chan struct{})}
}

// start launches the listener once.
func (n *notifier) start() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.started {
		return
	}
	n.started = true
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel, n.done = cancel, make(chan struct{})
	go n.listen(ctx)
}

func (n *notifier) close() {
	n.mu.Lock()
	cancel, done := n.cancel, n.done
	n.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

func (n *notifier) listen(ctx context.Context) {
	defer close(n.done)
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		if err := n.listenOnce(ctx); err == nil || ctx.Err() != nil {
			return
		}
		n.broadcast() // waiters re-read rather than wait for a lost wake-up
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (n *notifier) listenOnce(ctx context.Context) error {
	pooled, err := n.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A listening connection must not go back to the pool.
	conn := pooled.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	n.broadcast() // appends may have committed before LISTEN took effect
	for {
		note, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if note.Payload != n.self {
			n.broadcast()
		}
	}
}

// waker is the wake-up of a subscription with an interest.
type waker struct {
	interest eventstore.Interest
	ch       chan struct{} // closed and replaced when it is woken
}

// wants reports whether the appends hold an event of the interest.
func (w *waker) wants(requests []eventstore.AppendRequest) bool {
	for _, r := range requests {
		for _, e := range r.Events {
			if w.interest(r.Stream, e.Type) {
				return true
			}
		}
	}
	return false
}

func (n *notifier) register(interest eventstore.Interest) *waker {
	n.mu.Lock()
	defer n.mu.Unlock()
	w := &waker{interest: interest, ch: make(chan struct{})}
	if n.interested == nil {
		n.interested = map[*waker]bool{}
	}
	n.interested[w] = true
	return w
}

func (n *notifier) unregister(w *waker) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.interested, w)
}

// wait returns a channel closed at the next notification for w (nil: a
// subscription without an interest).
func (n *notifier) wait(w *waker) <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if w != nil {
		return w.ch
	}
	return n.ch
}

// broadcast wakes every subscription.
func (n *notifier) broadcast() {
	n.wake(func(*waker) bool { return true })
}

// appended wakes the subscriptions after this store's own appends: those
// without an interest, and those interested in one of the events.
func (n *notifier) appended(requests []eventstore.AppendRequest) {
	n.wake(func(w *waker) bool { return w.wants(requests) })
}

func (n *notifier) wake(woken func(*waker) bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	close(n.ch)
	n.ch = make(chan struct{})
	for w := range n.interested {
		if woken(w) {
			close(w.ch)
			w.ch = make(chan struct{})
		}
	}
}
