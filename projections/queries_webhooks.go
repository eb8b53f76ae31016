package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/updateservice/updateservice/domain"
)

// Webhook is an outgoing webhook as the API shows it: never its secret.
type Webhook struct {
	ID          domain.WebhookID `db:"id"`
	AccountID   domain.AccountID `db:"account_id"`
	URL         string           `db:"url"`
	Events      []string         `db:"events"`
	Description string           `db:"description"`
	CreatedAt   time.Time        `db:"created_at"`
}

var webhookList = listSpec{
	columns: "w.id, w.account_id, w.url, w.events, w.description, w.created_at",
	from:    "webhooks w",
	keys:    []string{"w.created_at", "w.id"},
	cursor: func(p string) string {
		return "SELECT created_at, id FROM webhooks WHERE account_id = $1 AND id = " + p
	},
	fields: fields{
		"id":          {"w.id", kindText},
		"url":         {"w.url", kindText},
		"description": {"w.description", kindText},
		"created_at":  {"w.created_at", kindTime},
	},
}

// webhookScope restricts webhooks to the account's ($1): deleted ones
// keep their rows but are gone for the API.
const webhookScope = "w.account_id = $1 AND w.deleted_at IS NULL"

// Webhook returns one of the account's webhooks.
func (q *Queries) Webhook(ctx context.Context, account domain.AccountID, id domain.WebhookID) (Webhook, error) {
	w, err := one[Webhook](ctx, q, domain.NotFoundError{Object: "webhook", ID: string(id)},
		fmt.Sprintf("SELECT %s FROM %s WHERE %s AND w.id = $2", webhookList.columns, webhookList.from, webhookScope), account, id)
	if err != nil {
		return w, fmt.Errorf("projections.Webhook: %w", err)
	}
	return w, nil
}

// ListWebhooks returns a page of the account's webhooks in registration
// order, filtered and paged as every Pelion list.
func (q *Queries) ListWebhooks(ctx context.Context, account domain.AccountID, req ListRequest) (Page[Webhook], error) {
	p, err := list[Webhook](ctx, q, webhookList, webhookScope, sqlArgs{account}, req)
	if err != nil {
		return p, fmt.Errorf("projections.ListWebhooks: %w", err)
	}
	return p, nil
}

// WebhookDelivery is one delivery of a webhook and where its attempts
// stand.
type WebhookDelivery struct {
	ID             uuid.UUID         `db:"id"`
	WebhookID      domain.WebhookID  `db:"webhook_id"`
	Type           string            `db:"type"`
	CampaignID     domain.CampaignID `db:"campaign_id"`
	Status         string            `db:"status"`
	Attempts       int               `db:"attempts"`
	LastStatusCode *int              `db:"last_status_code"`
	LastError      string            `db:"last_error"`
	NextAttemptAt  *time.Time        `db:"next_attempt_at"`
	DeliveredAt    *time.Time        `db:"delivered_at"`
	CreatedAt      time.Time         `db:"created_at"`
}

// The statuses of a delivery.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

var webhookDeliveryList = listSpec{
	columns: `d.id, d.webhook_id, d.type, d.campaign_id, d.status, d.attempts, d.last_status_code, d.last_error,
		d.next_attempt_at, d.delivered_at, d.created_at`,
	from: "webhook_deliveries d",
	keys: []string{"d.created_at", "d.id"},
	cursor: func(p string) string {
		return "SELECT created_at, id FROM webhook_deliveries WHERE account_id = $1 AND id::text = " + p
	},
	fields: fields{
		"type":        {"d.type", kindText},
		"campaign_id": {"d.campaign_id", kindText},
		"status":      {"d.status", kindText},
		"created_at":  {"d.created_at", kindTime},
	},
}

// ListWebhookDeliveries returns a page of the deliveries of one of the
// account's webhooks, by the time of their events. A webhook of another
// account lists nothing: the caller answers its absence first.
func (q *Queries) ListWebhookDeliveries(ctx context.Context, account domain.AccountID, id domain.WebhookID, req ListRequest) (Page[WebhookDelivery], error) {
	p, err := list[WebhookDelivery](ctx, q, webhookDeliveryList, "d.account_id = $1 AND d.webhook_id = $2", sqlArgs{account, id}, req)
	if err != nil {
		return p, fmt.Errorf("projections.ListWebhookDeliveries: %w", err)
	}
	return p, nil
}
