package http

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// RetryPolicy bounds how the connector webhook's items that cannot apply
// yet are retried. Zero fields take the defaults.
type RetryPolicy struct {
	// First is the wait before the first retry (default 100ms); each
	// further wait doubles, up to Max (default 5s).
	First, Max time.Duration
	// For is how long one item is retried before it is given up and
	// logged as dropped (default 5m): past that, the send it answers was
	// most likely never recorded, and the engine times the device out.
	For time.Duration
	// MaxWaiting bounds the items waiting at once (default 100,000). A body
	// that would need more is answered 503, so the connector delivers it
	// again later rather than the service holding it in memory.
	MaxWaiting int
	// Parallel bounds the retries running at once (default 8).
	Parallel int
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&p.First, 100*time.Millisecond)
	def(&p.Max, 5*time.Second)
	def(&p.For, 5*time.Minute)
	if p.MaxWaiting <= 0 {
		p.MaxWaiting = 100_000
	}
	if p.Parallel <= 0 {
		p.Parallel = 8
	}
	return p
}

// errRetriesUnavailable answers a webhook body that needs a retry the
// service cannot take on now: the connector delivers the body again.
var errRetriesUnavailable = statusError{503, "service_unavailable",
	"the service cannot hold more connector items for retry now; deliver the body again later"}

// ConnectorRetries retries, in the background, the connector webhook's
// items whose command answered commands.ErrNotYetKnown: an async response
// that came before the engine recorded the send it answers. Items of one
// device wait in one queue and apply in the order they came, so a device's
// notifications never overtake the async response before them. An item
// is never dropped silently: one given up after RetryPolicy.For, or still
// waiting at Close, is logged with the reason.
type ConnectorRetries struct {
	log    *slog.Logger
	policy RetryPolicy
	ctx    context.Context
	stop   context.CancelFunc
	slots  chan struct{}
	drains sync.WaitGroup

	mu      sync.Mutex
	queues  map[deviceKey][]connectorItem
	waiting int
	closed  bool
}

// deviceKey names one device's queue; items without a device (an async id
// this service did not make) each wait alone.
type deviceKey struct {
	account domain.AccountID
	device  domain.DeviceID
}

// NewConnectorRetries returns the retry machinery, running until Close.
func NewConnectorRetries(log *slog.Logger, policy RetryPolicy) *ConnectorRetries {
	ctx, stop := context.WithCancel(context.Background())
	policy = policy.withDefaults()
	return &ConnectorRetries{log: log, policy: policy, ctx: ctx, stop: stop,
		slots: make(chan struct{}, policy.Parallel), queues: map[deviceKey][]connectorItem{}}
}

// Close stops retrying, logs every item still waiting as dropped and
// returns once the retries have ended. Close it after the HTTP server has
// shut down, so that no webhook hands it new items.
func (c *ConnectorRetries) Close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.stop()
	c.drains.Wait()
}

// Waiting returns how many items wait for a retry.
func (c *ConnectorRetries) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waiting
}

// queueIfWaiting queues it behind its device's waiting items, if the
// device has any; false means the caller applies it now.
func (c *ConnectorRetries) queueIfWaiting(key deviceKey, it connectorItem) (queued bool, err error) {
	if c == nil || key.device == "" {
		return false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.queues[key]; !ok {
		return false, nil
	}
	return true, c.pushLocked(key, it)
}

// add queues an item that failed with cause, starting its device's queue.
func (c *ConnectorRetries) add(key deviceKey, it connectorItem, cause error) error {
	if c == nil {
		return errRetriesUnavailable
	}
	it.lastErr, it.since = cause, time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	_, running := c.queues[key]
	if err := c.pushLocked(key, it); err != nil {
		return err
	}
	if !running {
		c.drains.Go(func() { c.drain(key) })
	}
	return nil
}

func (c *ConnectorRetries) pushLocked(key deviceKey, it connectorItem) error {
	if c.closed || c.waiting >= c.policy.MaxWaiting {
		return errRetriesUnavailable
	}
	c.queues[key] = append(c.queues[key], it)
	c.waiting++
	return nil
}

// drain applies a device's queue in order, then ends.
func (c *ConnectorRetries) drain(key deviceKey) {
	for {
		c.mu.Lock()
		queue := c.queues[key]
		if len(queue) == 0 {
			delete(c.queues, key)
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		c.retry(queue[0])
		c.mu.Lock()
		c.queues[key] = c.queues[key][1:]
		c.waiting--
		c.mu.Unlock()
	}
}

// retry applies one item until it applies, is refused, or is given up.
// An item that never failed (it queued behind another) is tried at once.
func (c *ConnectorRetries) retry(it connectorItem) {
	wait := c.policy.First
	for attempt := 1; ; attempt++ {
		if it.lastErr != nil {
			select {
			case <-c.ctx.Done():
				c.log.Error("connector item dropped: the service is stopping", "item", it.String(), "device", it.device,
					"waited", time.Since(it.since).Round(time.Millisecond), "reason", it.lastErr)
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, c.policy.Max)
		} else if c.ctx.Err() != nil {
			c.log.Error("connector item dropped: the service is stopping", "item", it.String(), "device", it.device)
			return
		}
		if it.since.IsZero() {
			it.since = time.Now()
		}
		err := c.attempt(it)
		switch {
		case err == nil:
			return
		case errors.Is(err, commands.ErrNotYetKnown) || domain.KindOf(err) == domain.KindInternal:
			if time.Since(it.since) >= c.policy.For {
				c.log.Error("connector item dropped after retrying", "item", it.String(), "device", it.device,
					"attempts", attempt, "tried_for", time.Since(it.since).Round(time.Millisecond), "reason", err)
				return
			}
			it.lastErr = err
		default:
			c.log.Warn("connector item refused", "item", it.String(), "device", it.device, "error", err)
			return
		}
	}
}

// attempt runs the item's command once, within the bound on parallel
// retries and with a deadline, so a stuck store cannot hold a slot.
func (c *ConnectorRetries) attempt(it connectorItem) error {
	select {
	case c.slots <- struct{}{}:
	case <-c.ctx.Done():
		return c.ctx.Err()
	}
	defer func() { <-c.slots }()
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	return it.run(ctx)
}
