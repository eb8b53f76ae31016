package projections

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// WebhookOutboxName keys the webhook outbox's checkpoint in
// projection_checkpoints. Never renamed: a new name writes every past
// event's deliveries again (to webhooks registered before them).
const WebhookOutboxName = "webhook-outbox"

// WebhookOutbox is the process manager that turns the account's campaign
// events into webhook deliveries. It follows the global order from its own
// checkpoint and writes each batch's deliveries, with the checkpoint, in
// one transaction; a delivery's id derives from its webhook's and its
// event's, so a batch applied again writes nothing twice. It waits for the
// read models to reach a batch first: they say which webhooks exist and
// what the campaign looks like. It never sends anything (the deliverer
// does), so no receiver can slow it or the campaign.
type WebhookOutbox struct {
	pool   *pgxpool.Pool
	source EventSource
	// ReadModels names the read-model runner's checkpoint; default
	// DefaultName.
	ReadModels string
	// Logger receives a line per failure; default: discard.
	Logger *slog.Logger
}

// NewWebhookOutbox returns the outbox on the read models in pool.
func NewWebhookOutbox(pool *pgxpool.Pool, source EventSource) *WebhookOutbox {
	return &WebhookOutbox{pool: pool, source: source, ReadModels: DefaultName, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// outboxIdleSave is how often the checkpoint moves over batches that
// deliver nothing (a fleet's reports): an event read again after a
// restart only costs reading.
const outboxIdleSave = time.Second

// Run writes deliveries until ctx ends (nil then) or reading or writing
// fails.
func (o *WebhookOutbox) Run(ctx context.Context) error {
	saved, err := readCheckpoint(ctx, o.pool, WebhookOutboxName)
	if err != nil {
		return err
	}
	sub, err := o.subscribe(ctx, saved)
	if err != nil {
		return fmt.Errorf("webhook outbox: subscribing after %s: %w", saved, err)
	}
	defer sub.Close()
	savedAt := time.Now()
	for {
		events, err := sub.Next(ctx, DefaultBatchSize)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("webhook outbox: following events: %w", err)
		}
		var due []eventstore.RecordedEvent
		for _, ev := range events {
			if delivered(ev.Stream, ev.Type) {
				due = append(due, ev)
			}
		}
		last := events[len(events)-1].Position
		if len(due) == 0 && time.Since(savedAt) < outboxIdleSave {
			continue
		}
		if err := o.write(ctx, saved, last, due); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("webhook outbox: %w", err)
		}
		saved, savedAt = last, time.Now()
	}
}

// subscribe follows the global order after pos, woken only by events
// that are delivered where the source can tell them.
func (o *WebhookOutbox) subscribe(ctx context.Context, pos eventstore.Position) (eventstore.Subscription, error) {
	type interested interface {
		SubscribeAllInterested(ctx context.Context, after eventstore.Position, interest eventstore.Interest) (eventstore.Subscription, error)
	}
	if s, ok := o.source.(interested); ok {
		return s.SubscribeAllInterested(ctx, pos, delivered)
	}
	return o.source.SubscribeAll(ctx, pos)
}

// delivered tells the events that webhooks deliver: those named in
// domain.WebhookEventKinds, on campaign streams.
func delivered(stream, eventType string) bool {
	_, ok := domain.WebhookEventKinds[eventType]
	return ok && strings.HasPrefix(stream, domain.CampaignStreamPrefix)
}

// write moves the checkpoint from from to to and writes the deliveries
// of due, in one transaction, once the read models reach to.
func (o *WebhookOutbox) write(ctx context.Context, from, to eventstore.Position, due []eventstore.RecordedEvent) error {
	if len(due) > 0 {
		if err := WaitForCheckpoint(ctx, o.pool, o.ReadModels, due[len(due)-1].Position); err != nil {
			return err
		}
	}
	return pgx.BeginFunc(ctx, o.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		if err := queueCheckpoint(b, WebhookOutboxName, from, to, time.Time{}); err != nil {
			return err
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		for _, ev := range due {
			if err := writeDeliveries(ctx, tx, ev); err != nil {
				return fmt.Errorf("deliveries of %s at %s: %w", ev.Type, ev.Position, err)
			}
		}
		return nil
	})
}
