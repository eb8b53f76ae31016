package commands

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// RegisterWebhook registers an outgoing webhook of the account. The
// handler makes the webhook's signing secret: randomness stays out of the
// domain, and the caller shows it once, from Result.Stream.
type RegisterWebhook struct {
	Meta
	WebhookID domain.WebhookID
	Spec      domain.WebhookSpec
}

// RegisterWebhook handles RegisterWebhook. Result.Stream holds the
// webhook's WebhookRegistered, with its secret, also when the command was
// handled before. A webhook id that is taken answers domain.ConflictError.
func (h *Handlers) RegisterWebhook(ctx context.Context, c RegisterWebhook) (Result, error) {
	ws := domain.WebhookStream(c.WebhookID)
	res, err := retry(ctx, func() (Result, error) {
		existing, err := load(ctx, h.store, ws, domain.LoadWebhook)
		if err != nil {
			return Result{}, err
		}
		if pos, ok := existing.handledBefore(c.Meta); ok {
			return Result{Position: pos, Stream: existing.history}, nil
		}
		secret, err := newWebhookSecret()
		if err != nil {
			return Result{}, err
		}
		hook, err := domain.NewWebhook(c.WebhookID, c.Account, c.Spec, secret, h.now())
		if err != nil {
			return Result{}, err
		}
		if existing.exists() {
			return Result{}, domain.ConflictError{Reason: fmt.Sprintf("webhook %s already exists", c.WebhookID)}
		}
		res, err := h.saveAll(ctx, c.Meta, nil, existing.as(hook))
		res.Stream = hook.Changes()
		return res, err
	})
	return res, failed("RegisterWebhook", err)
}

// newWebhookSecret returns 32 random bytes in hex: a key as strong as the
// HMAC-SHA256 that it signs with.
func newWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a webhook secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}
