// Package webhooks sends the outgoing webhooks: a small pool of workers
// claims due deliveries from the outbox, POSTs them signed, and records
// each attempt, retrying with exponential backoff. It runs beside the
// campaigns, never in their way: a slow or dead receiver holds one worker
// for one timeout at most, and the outbox keeps what is not sent yet.
package webhooks

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/updateservice/updateservice/projections"
)

// Outbox is where the deliveries wait: *projections.WebhookOutboxStore.
type Outbox interface {
	ClaimWebhookDeliveries(ctx context.Context, now, until time.Time, limit int) ([]projections.DueDelivery, error)
	RecordWebhookAttempt(ctx context.Context, a projections.DeliveryAttempt) error
}

// Config tunes the deliverer.
type Config struct {
	// Workers is how many deliveries are sent at once (WEBHOOK_WORKERS).
	Workers int
	// Timeout bounds one attempt, answer included (WEBHOOK_TIMEOUT).
	Timeout time.Duration
	// RetryBase is the wait after the first failed attempt; each next
	// one waits twice as long, up to RetryMax (WEBHOOK_RETRY_BASE).
	RetryBase time.Duration
	// RetryMax caps the wait between attempts.
	RetryMax time.Duration
	// MaxAttempts is how many attempts a delivery gets before it is
	// failed (WEBHOOK_MAX_ATTEMPTS).
	MaxAttempts int
	// Poll is how often an idle worker looks for due deliveries
	// (WEBHOOK_POLL).
	Poll time.Duration
	// Logger receives a line per failed attempt; default: discard.
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// The defaults: twelve attempts over about seventeen hours.
const (
	DefaultWorkers     = 4
	DefaultTimeout     = 10 * time.Second
	DefaultRetryBase   = 30 * time.Second
	DefaultRetryMax    = 4 * time.Hour
	DefaultMaxAttempts = 12
	DefaultPoll        = 500 * time.Millisecond
)

func (c Config) withDefaults() Config {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&c.Timeout, DefaultTimeout)
	set(&c.RetryBase, DefaultRetryBase)
	set(&c.RetryMax, DefaultRetryMax)
	set(&c.Poll, DefaultPoll)
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Deliverer sends the outbox's deliveries.
type Deliverer struct {
	outbox Outbox
	client *http.Client
	cfg    Config
}

// New returns a deliverer of outbox's deliveries. It follows no
// redirect: a 3xx is a failed attempt, so a receiver cannot bounce the
// signed body to an address the operator did not register.
func New(outbox Outbox, cfg Config) *Deliverer {
	cfg = cfg.withDefaults()
	client := &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &Deliverer{outbox: outbox, client: client, cfg: cfg}
}

// Run sends deliveries with Workers workers until ctx ends; it returns
// nil then. A failing outbox is logged and polled again, not fatal.
func (d *Deliverer) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range d.cfg.Workers {
		wg.Go(func() { d.work(ctx) })
	}
	wg.Wait()
	return nil
}

// work claims and sends one delivery at a time, polling when none is due.
func (d *Deliverer) work(ctx context.Context) {
	for ctx.Err() == nil {
		now := d.cfg.Now()
		// The claim outlasts the attempt, so nobody else sends it meanwhile.
		due, err := d.outbox.ClaimWebhookDeliveries(ctx, now, now.Add(2*d.cfg.Timeout), 1)
		if err != nil && ctx.Err() == nil {
			d.cfg.Logger.Warn("webhooks: claiming deliveries", "error", err)
		}
		if len(due) == 0 {
			t := time.NewTimer(d.cfg.Poll)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
			continue
		}
		for _, dd := range due {
			d.deliver(ctx, dd)
		}
	}
}

// deliver makes one attempt at dd and records it.
func (d *Deliverer) deliver(ctx context.Context, dd projections.DueDelivery) {
	code, err := d.post(ctx, dd)
	if ctx.Err() != nil {
		return // shutting down: the claim runs out and another attempt follows
	}
	a := d.outcome(dd, code, err)
	if err != nil {
		d.cfg.Logger.Warn("webhooks: attempt failed", "delivery", dd.ID, "webhook", dd.WebhookID, "attempt", dd.Attempts+1, "error", err)
	}
	if err := d.outbox.RecordWebhookAttempt(ctx, a); err != nil && ctx.Err() == nil {
		d.cfg.Logger.Warn("webhooks: recording an attempt", "delivery", dd.ID, "error", err)
	}
}

// outcome is what an attempt answered by code, or failed by err, makes
// of the delivery.
func (d *Deliverer) outcome(dd projections.DueDelivery, code int, err error) projections.DeliveryAttempt {
	now := d.cfg.Now()
	a := projections.DeliveryAttempt{ID: dd.ID, StatusCode: code, At: now, Status: projections.DeliveryDelivered}
	if err == nil {
		return a
	}
	a.Error = err.Error()
	if dd.Attempts+1 >= d.cfg.MaxAttempts {
		a.Status = projections.DeliveryFailed
		return a
	}
	next := now.Add(Backoff(d.cfg.RetryBase, d.cfg.RetryMax, dd.Attempts+1))
	a.Status, a.Next = projections.DeliveryPending, &next
	return a
}

// Backoff is the wait after attempt n (from 1) failed: base doubled for
// each attempt before it, at most max.
func Backoff(base, max time.Duration, n int) time.Duration {
	wait := base
	for i := 1; i < n && wait < max; i++ {
		wait *= 2
	}
	return min(wait, max)
}
