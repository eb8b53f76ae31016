package projections

import (
	"fmt"
	"math"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// webhookRow is a row of the webhooks table; the json tags are its
// columns.
type webhookRow struct {
	ID              string     `json:"id"`
	AccountID       string     `json:"account_id"`
	URL             string     `json:"url"`
	Events          []string   `json:"events"`
	Description     string     `json:"description"`
	Secret          string     `json:"secret"`
	CreatedAt       time.Time  `json:"created_at"`
	CreatedPosition int64      `json:"created_position"`
	DeletedAt       *time.Time `json:"deleted_at"`
	DeletedPosition *int64     `json:"deleted_position"`
}

var webhooksTable = newTableSpec[webhookRow]("webhooks", "id")

// webhooksProjection maintains the webhooks from their streams. The
// positions it keeps let the webhook outbox give a webhook the events
// after its registration and before its deletion, the same on a rebuild.
type webhooksProjection struct {
	rows *rowSet[webhookRow]
}

func newWebhooksProjection() *webhooksProjection {
	return &webhooksProjection{rows: newRowSet(webhooksTable, func(r *webhookRow) string { return r.ID })}
}

func (p *webhooksProjection) apply(env envelope) error {
	switch e := env.event.(type) {
	case domain.WebhookRegistered:
		return p.OnWebhookRegistered(env, e)
	case domain.WebhookDeleted:
		return p.OnWebhookDeleted(env, e)
	}
	return unhandled(env, "webhook")
}

// OnWebhookRegistered writes the webhook's row.
func (p *webhooksProjection) OnWebhookRegistered(env envelope, e domain.WebhookRegistered) error {
	pos, err := commitPosition(env)
	if err != nil {
		return err
	}
	events := e.Events
	if events == nil {
		events = []string{}
	}
	p.rows.put(string(env.webhookID), &webhookRow{ID: string(env.webhookID), AccountID: string(e.AccountID), URL: e.URL,
		Events: events, Description: e.Description, Secret: e.Secret, CreatedAt: env.at(e.At), CreatedPosition: pos})
	return nil
}

// OnWebhookDeleted keeps the row and records the deletion.
func (p *webhooksProjection) OnWebhookDeleted(env envelope, e domain.WebhookDeleted) error {
	r := p.rows.edit(string(env.webhookID))
	if r == nil {
		return fmt.Errorf("webhook %s has no row: WebhookDeleted without WebhookRegistered", env.webhookID)
	}
	pos, err := commitPosition(env)
	if err != nil {
		return err
	}
	at := env.at(e.At)
	r.DeletedAt, r.DeletedPosition = &at, &pos
	return nil
}

// commitPosition is the event's commit position as the bigint columns
// keep it.
func commitPosition(env envelope) (int64, error) {
	if env.position.Commit > math.MaxInt64 {
		return 0, fmt.Errorf("position %s does not fit a bigint", env.position)
	}
	return int64(env.position.Commit), nil
}
