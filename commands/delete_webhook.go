package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// DeleteWebhook deletes an outgoing webhook: it gets no new deliveries
// (Webhook rule 3).
type DeleteWebhook struct {
	Meta
	WebhookID domain.WebhookID
}

// DeleteWebhook handles DeleteWebhook. Another account's webhook is not
// found.
func (h *Handlers) DeleteWebhook(ctx context.Context, c DeleteWebhook) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.WebhookStream(c.WebhookID), domain.LoadWebhook,
		func(w *domain.Webhook) error {
			if w.AccountID() != c.Account { // another account's id answers 404, never 403
				return domain.NotFoundError{Object: "webhook", ID: string(c.WebhookID)}
			}
			return w.Delete(h.now())
		})
	return res, failed("DeleteWebhook", err)
}
