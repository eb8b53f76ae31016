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
	s.notifier.start()
	return &subscription{store: s, after: after}, nil
}

type subscription struct {
	store *EventStore
	after eventstore.Position
}

// Next returns the next events after the last delivered one, waiting until
// there are some.
func (sub *subscription) Next(ctx context.Context, max int) ([]eventstore.RecordedEvent, error) {
	// After a wake-up that finds nothing (the fence holds the events back
	// behind an older transaction, which sends no notification when it
	// ends), read again soon, backing off to the poll interval.
	retry := min(time.Millisecond, sub.store.PollInterval)
	woken, woke := false, false
	for {
		wake := sub.store.notifier.wait()
		events, err := sub.store.ReadAll(ctx, sub.after, max)
		if err != nil {
			return nil, err
		}
		if len(events) > 0 {
			sub.after = events[len(events)-1].Position
			return events, nil
		}
		timeout := sub.store.PollInterval
		if woke = woke || woken; woke {
			timeout = retry
			retry = min(retry*2, sub.store.PollInterval)
		}
		if woken, err = sleep(ctx, wake, timeout); err != nil {
			return nil, err
		}
	}
}

// sleep waits for the wake channel, the timeout or the context, and
// reports whether the wake channel ended it.
func sleep(ctx context.Context, wake <-chan struct{}, timeout time.Duration) (woken bool, err error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-t.C:
		return false, nil
	case <-wake:
		return true, nil
	}
}

func (sub *subscription) Close() error { return nil }

// notifier wakes every waiting subscription of the store when an append
// commits: the store's own appends call broadcast, and one connection
// listens for the notifications of other processes' stores (ignoring its
// own store's, named by self). If the connection fails it reconnects;
// meanwhile subscriptions fall back to polling.
type notifier struct {
	pool    *pgxpool.Pool
	self    string
	mu      sync.Mutex
	ch      chan struct{} // closed and replaced on each notification
	started bool
	cancel  context.CancelFunc
	done    chan struct{}
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

// wait returns a channel closed at the next notification.
func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch
}

func (n *notifier) broadcast() {
	n.mu.Lock()
	defer n.mu.Unlock()
	close(n.ch)
	n.ch = make(chan struct{})
}
