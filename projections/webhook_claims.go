package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain"
)

// WebhookOutboxStore is the deliverer's side of the outbox: it claims due
// deliveries and records their attempts. Claims skip rows another
// deliverer holds (FOR UPDATE SKIP LOCKED), so every replica may run one.
type WebhookOutboxStore struct{ pool *pgxpool.Pool }

// NewWebhookOutboxStore returns the outbox store in pool's database.
func NewWebhookOutboxStore(pool *pgxpool.Pool) *WebhookOutboxStore {
	return &WebhookOutboxStore{pool: pool}
}

// DueDelivery is a claimed delivery with what sending it needs.
type DueDelivery struct {
	ID        uuid.UUID        `db:"id"`
	WebhookID domain.WebhookID `db:"webhook_id"`
	URL       string           `db:"url"`
	Secret    string           `db:"secret"`
	Body      string           `db:"body"`
	Attempts  int              `db:"attempts"`
}

// ClaimWebhookDeliveries claims up to limit pending deliveries due at
// now, of webhooks not deleted and with no delivery being sent, oldest
// first, and moves their next attempt to until: a deliverer that dies
// with a claim leaves it to be claimed again then. One delivery per
// webhook at a time keeps a hanging receiver to one worker (two, when two
// deliverers claim at the same instant), and a webhook's deliveries in
// order while none fails.
func (s *WebhookOutboxStore) ClaimWebhookDeliveries(ctx context.Context, now, until time.Time, limit int) ([]DueDelivery, error) {
	rows, err := s.pool.Query(ctx, `
		WITH locked AS (
			SELECT d.id, d.webhook_id, d.next_attempt_at FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.deleted_at IS NULL
			WHERE d.status = 'pending' AND d.next_attempt_at <= $1
				AND NOT EXISTS (SELECT FROM webhook_deliveries c WHERE c.webhook_id = d.webhook_id AND c.claimed_until > $1)
			ORDER BY d.next_attempt_at LIMIT $3 FOR UPDATE OF d SKIP LOCKED
		), due AS ( -- one per webhook (FOR UPDATE cannot go with DISTINCT)
			SELECT DISTINCT ON (webhook_id) id FROM locked ORDER BY webhook_id, next_attempt_at, id
		)
		UPDATE webhook_deliveries d SET next_attempt_at = $2, claimed_until = $2 FROM due, webhooks w
		WHERE d.id = due.id AND w.id = d.webhook_id
		RETURNING d.id, d.webhook_id, w.url, w.secret, d.body, d.attempts`, now, until, limit)
	if err != nil {
		return nil, fmt.Errorf("projections.ClaimWebhookDeliveries: %w", err)
	}
	due, err := pgx.CollectRows(rows, pgx.RowToStructByName[DueDelivery])
	if err != nil {
		return nil, fmt.Errorf("projections.ClaimWebhookDeliveries: %w", err)
	}
	return due, nil
}

// DeliveryAttempt is the outcome of one attempt at a delivery.
type DeliveryAttempt struct {
	ID uuid.UUID
	// StatusCode is the receiver's answer; 0 when there was none.
	StatusCode int
	// Error says why the attempt failed; empty when it did not.
	Error string
	// Status is the delivery's status after the attempt: delivered,
	// pending (tried again at Next) or failed.
	Status string
	Next   *time.Time
	At     time.Time
}

// RecordWebhookAttempt records an attempt at a claimed delivery.
func (s *WebhookOutboxStore) RecordWebhookAttempt(ctx context.Context, a DeliveryAttempt) error {
	var code *int
	if a.StatusCode != 0 {
		code = &a.StatusCode
	}
	var deliveredAt *time.Time
	if a.Status == DeliveryDelivered {
		deliveredAt = &a.At
	}
	_, err := s.pool.Exec(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, status = $2, last_status_code = $3,
		last_error = $4, next_attempt_at = $5, delivered_at = $6, claimed_until = NULL WHERE id = $1`, a.ID, a.Status, code, a.Error, a.Next, deliveredAt)
	if err != nil {
		return fmt.Errorf("projections.RecordWebhookAttempt: %w", err)
	}
	return nil
}
