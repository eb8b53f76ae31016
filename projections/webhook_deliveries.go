package projections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// deliveryNamespace makes delivery ids from webhook and event ids.
var deliveryNamespace = uuid.MustParse("5b0c6a52-8d0e-4f57-9d2c-7f3a9e0b1c44")

// DeliveryID is the id of the delivery of event to webhook: the same on
// every write of it, so a delivery is written once.
func DeliveryID(webhook domain.WebhookID, event uuid.UUID) uuid.UUID {
	return uuid.NewSHA1(deliveryNamespace, []byte(string(webhook)+"\x00"+event.String()))
}

// DeliveryBody is the JSON a webhook receives.
type DeliveryBody struct {
	ID         uuid.UUID         `json:"id"`
	Type       string            `json:"type"`
	AccountID  domain.AccountID  `json:"account_id"`
	CampaignID domain.CampaignID `json:"campaign_id"`
	OccurredAt time.Time         `json:"occurred_at"`
	Data       DeliveryData      `json:"data"`
}

// DeliveryData is the campaign as the read models showed it when the
// delivery was written: at or after its event.
type DeliveryData struct {
	Phase          string           `json:"phase"`
	State          string           `json:"state"`
	AutostopReason string           `json:"autostop_reason"`
	Counters       map[string]int64 `json:"counters"`
}

// writeDeliveries writes the deliveries of one campaign event: one per
// webhook of the campaign's account registered before the event, not
// deleted before it, and wanting its kind.
func writeDeliveries(ctx context.Context, tx pgx.Tx, ev eventstore.RecordedEvent) error {
	campaign := domain.CampaignID(strings.TrimPrefix(ev.Stream, domain.CampaignStreamPrefix))
	var account domain.AccountID
	var data DeliveryData
	var counters []byte
	err := tx.QueryRow(ctx, `SELECT c.account_id, c.phase, c.state, c.autostop_reason,
			coalesce(to_jsonb(cc) - 'campaign_id' - 'account_id' - 'updated_at', '{}')
		FROM campaigns c LEFT JOIN campaign_counters cc ON cc.campaign_id = c.id WHERE c.id = $1`, campaign).
		Scan(&account, &data.Phase, &data.State, &data.AutostopReason, &counters)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // the read models quarantined the campaign's creation: nothing to tell about it
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(counters, &data.Counters); err != nil {
		return fmt.Errorf("reading the counters: %w", err)
	}
	kind := domain.WebhookEventKinds[ev.Type]
	rows, err := tx.Query(ctx, `SELECT id FROM webhooks WHERE account_id = $1 AND created_position < $2
		AND (deleted_position IS NULL OR deleted_position > $2) AND (cardinality(events) = 0 OR $3 = ANY(events))`,
		account, int64(ev.Position.Commit), kind)
	if err != nil {
		return err
	}
	hooks, err := pgx.CollectRows(rows, pgx.RowTo[domain.WebhookID])
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	for _, hook := range hooks {
		body := DeliveryBody{ID: DeliveryID(hook, ev.ID), Type: kind, AccountID: account, CampaignID: campaign,
			OccurredAt: ev.Created.UTC(), Data: data}
		text, err := json.Marshal(body)
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO webhook_deliveries (id, account_id, webhook_id, event_id, type, campaign_id, body, status,
				attempts, last_error, next_attempt_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, '', $8, $8) ON CONFLICT (id) DO NOTHING`,
			body.ID, account, hook, ev.ID, kind, campaign, string(text), body.OccurredAt)
	}
	return tx.SendBatch(ctx, b).Close()
}
