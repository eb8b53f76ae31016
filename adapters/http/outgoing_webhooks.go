package http

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// WebhookCommands are the outgoing webhooks' writes: *commands.Handlers.
// (Not the connector's incoming webhook of webhook.go.)
type WebhookCommands interface {
	RegisterWebhook(context.Context, commands.RegisterWebhook) (commands.Result, error)
	DeleteWebhook(context.Context, commands.DeleteWebhook) (commands.Result, error)
}

// WebhookReads are the outgoing webhooks' reads: *projections.Queries.
type WebhookReads interface {
	Webhook(ctx context.Context, account domain.AccountID, id domain.WebhookID) (projections.Webhook, error)
	ListWebhooks(ctx context.Context, account domain.AccountID, req projections.ListRequest) (projections.Page[projections.Webhook], error)
	ListWebhookDeliveries(ctx context.Context, account domain.AccountID, id domain.WebhookID, req projections.ListRequest) (projections.Page[projections.WebhookDelivery], error)
}

// webhookJSON is the webhook object. Secret is set in the create's answer
// alone: it is shown once.
type webhookJSON struct {
	Object      string    `json:"object"`
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Description string    `json:"description"`
	Secret      string    `json:"secret,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

func webhookObject(w projections.Webhook) webhookJSON {
	events := w.Events
	if events == nil {
		events = []string{}
	}
	return webhookJSON{Object: "webhook", ID: string(w.ID), URL: w.URL, Events: events, Description: w.Description, CreatedAt: utc(w.CreatedAt)}
}

// webhookDeliveryJSON is the webhook-delivery object.
type webhookDeliveryJSON struct {
	Object         string     `json:"object"`
	ID             string     `json:"id"`
	Event          string     `json:"event"`
	CampaignID     string     `json:"campaign_id"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastStatusCode *int       `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	DeliveredAt    *time.Time `json:"delivered_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

func webhookDeliveryObject(d projections.WebhookDelivery) webhookDeliveryJSON {
	return webhookDeliveryJSON{Object: "webhook-delivery", ID: d.ID.String(), Event: d.Type, CampaignID: string(d.CampaignID),
		Status: d.Status, Attempts: d.Attempts, LastStatusCode: d.LastStatusCode, LastError: d.LastError,
		NextAttemptAt: utcPtr(d.NextAttemptAt), DeliveredAt: utcPtr(d.DeliveredAt), CreatedAt: utc(d.CreatedAt)}
}

// webhookInput is the body of a create.
type webhookInput struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
}

func webhookID(r *http.Request) domain.WebhookID { return domain.WebhookID(chi.URLParam(r, "id")) }

// createWebhook registers a webhook: 201 with it and, this once, its
// secret. The answer comes from the recorded event, so it does not wait
// for the read models; the account's next read does.
func (d Deps) createWebhook(w http.ResponseWriter, r *http.Request) {
	var in webhookInput
	if err := decode(r, &in); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	id := domain.WebhookID(newID(r, "webhook"))
	res, err := d.Webhooks.RegisterWebhook(r.Context(), commands.RegisterWebhook{Meta: commandMeta(r), WebhookID: id,
		Spec: domain.WebhookSpec{URL: in.URL, Events: in.Events, Description: in.Description}})
	var reg domain.WebhookRegistered
	if err == nil {
		reg, err = registration(res)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	d.writes.wrote(accountOf(r.Context()), res.Position)
	out := webhookObject(projections.Webhook{ID: reg.WebhookID, URL: reg.URL, Events: reg.Events, Description: reg.Description, CreatedAt: reg.At})
	out.Secret = reg.Secret
	writeJSON(w, http.StatusCreated, out)
}

// registration is the WebhookRegistered a RegisterWebhook left first in
// its stream.
func registration(res commands.Result) (domain.WebhookRegistered, error) {
	if len(res.Stream) > 0 {
		if reg, ok := res.Stream[0].(domain.WebhookRegistered); ok {
			return reg, nil
		}
	}
	return domain.WebhookRegistered{}, fmt.Errorf("RegisterWebhook left no WebhookRegistered in %d events", len(res.Stream))
}

// getWebhook answers one webhook of the account, without its secret.
func (d Deps) getWebhook(w http.ResponseWriter, r *http.Request) {
	hook, err := d.WebhookReads.Webhook(r.Context(), accountOf(r.Context()), webhookID(r))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, webhookObject(hook))
}

// listWebhooks answers a page of the account's webhooks.
func (d Deps) listWebhooks(w http.ResponseWriter, r *http.Request) {
	answerList(d, w, r, d.WebhookReads.ListWebhooks, webhookObject)
}

// deleteWebhook deletes a webhook: 204. Its deliveries not sent yet are
// not sent.
func (d Deps) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	res, err := d.Webhooks.DeleteWebhook(r.Context(), commands.DeleteWebhook{Meta: commandMeta(r), WebhookID: webhookID(r)})
	d.answerNoContent(w, r, res, err)
}

// listWebhookDeliveries answers a page of a webhook's deliveries; a
// webhook the account does not have is not found.
func (d Deps) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	id := webhookID(r)
	if _, err := d.WebhookReads.Webhook(r.Context(), accountOf(r.Context()), id); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	answerList(d, w, r, func(ctx context.Context, account domain.AccountID, req projections.ListRequest) (projections.Page[projections.WebhookDelivery], error) {
		return d.WebhookReads.ListWebhookDeliveries(ctx, account, id, req)
	}, webhookDeliveryObject)
}
