package http_test

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// webhookReads fakes the webhook read models with the command side's
// webhooks: what was recorded is read at once. A webhook's deliveries are
// those set in deliveries.
type webhookReads struct {
	cmds       *commands.Handlers
	deliveries map[domain.WebhookID][]projections.WebhookDelivery
}

func (f *webhookReads) Webhook(ctx context.Context, account domain.AccountID, id domain.WebhookID) (projections.Webhook, error) {
	w, err := f.cmds.Webhook(ctx, account, id)
	if err != nil {
		return projections.Webhook{}, err
	}
	s := w.Spec()
	return projections.Webhook{ID: w.ID(), AccountID: w.AccountID(), URL: s.URL, Events: s.Events, Description: s.Description, CreatedAt: w.CreatedAt()}, nil
}

// ListWebhooks answers the webhooks that have deliveries set, which
// the test registered.
func (f *webhookReads) ListWebhooks(ctx context.Context, account domain.AccountID, req projections.ListRequest) (projections.Page[projections.Webhook], error) {
	page := projections.Page[projections.Webhook]{Limit: req.Limit, Order: req.Order, Data: []projections.Webhook{}}
	for id := range f.deliveries {
		if w, err := f.Webhook(ctx, account, id); err == nil {
			page.Data = append(page.Data, w)
		}
	}
	return page, nil
}

func (f *webhookReads) ListWebhookDeliveries(_ context.Context, _ domain.AccountID, id domain.WebhookID, req projections.ListRequest) (projections.Page[projections.WebhookDelivery], error) {
	return projections.Page[projections.WebhookDelivery]{Limit: req.Limit, Order: req.Order, Data: f.deliveries[id]}, nil
}

// aDelivery is a pending delivery after one failed attempt.
func aDelivery(hook domain.WebhookID) projections.WebhookDelivery {
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	code, next := 500, at.Add(30*time.Second)
	return projections.WebhookDelivery{ID: uuid.New(), WebhookID: hook, Type: "campaign.stopped", CampaignID: "c1",
		Status: projections.DeliveryPending, Attempts: 1, LastStatusCode: &code, LastError: "receiver answered 500", NextAttemptAt: &next,
		CreatedAt: at}
}
