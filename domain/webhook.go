package domain

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook rules (stream webhook-<id>):
//
//  1. A webhook is registered once, in one account, with an absolute http
//     or https URL of at most 2,000 characters, a description of at most
//     2,000 and a secret of 32 to 128 characters that signs its deliveries.
//     The secret is the caller's to make (randomness stays out of the
//     domain).
//  2. Events lists the kinds of deliveries wanted, each a value of
//     WebhookEventKinds, without repeats; an empty list wants every kind,
//     including kinds added later.
//  3. A webhook never changes; it is deleted once. A deleted webhook
//     answers every behaviour as not found, and gets no new deliveries.
type Webhook struct {
	root
	id        WebhookID
	account   AccountID
	spec      WebhookSpec
	secret    string
	createdAt time.Time
	deleted   bool
}

// WebhookSpec is what a registration tells about a webhook.
type WebhookSpec struct {
	URL         string
	Events      []string
	Description string
}

// NewWebhook records a registered webhook (rules 1 and 2). The handler
// appends its one change with NoStream, so a second registration of the
// id fails.
func NewWebhook(id WebhookID, account AccountID, spec WebhookSpec, secret string, now time.Time) (*Webhook, error) {
	const op = "webhook.Register"
	problems := append([]error{id.Validate(), account.Validate()}, spec.problems()...)
	if n := len(secret); n < 32 || n > 128 || textProblem("secret", secret, 128, oneLine) != nil {
		problems = append(problems, InvalidError{Field: "secret", Reason: "must be 32 to 128 printable characters"})
	}
	if err := errors.Join(problems...); err != nil {
		return nil, wrap(op, err)
	}
	w := &Webhook{}
	if err := w.record(WebhookRegistered{WebhookID: id, AccountID: account, URL: spec.URL, Secret: secret,
		Events: slices.Clone(spec.Events), Description: spec.Description, At: now}); err != nil {
		return nil, wrap(op, err)
	}
	return w, nil
}

// LoadWebhook rebuilds a webhook from its stream's events. An empty
// history gives a webhook that does not exist.
func LoadWebhook(history []Event) (*Webhook, error) {
	w := &Webhook{}
	if err := w.load(w.apply, history); err != nil {
		return nil, fmt.Errorf("domain.LoadWebhook: %w", err)
	}
	return w, nil
}

// Delete deletes the webhook (rule 3).
func (w *Webhook) Delete(now time.Time) error {
	const op = "webhook.Delete"
	if w.id == "" || w.deleted {
		return wrap(op, NotFoundError{Object: "webhook", ID: string(w.id)})
	}
	return wrap(op, w.record(WebhookDeleted{At: now}))
}

// record applies e and keeps it for appending.
func (w *Webhook) record(e Event) error { return w.recordWith(w.apply, e) }

// apply changes the webhook's state by one recorded event.
func (w *Webhook) apply(e Event) error {
	switch e := e.(type) {
	case WebhookRegistered:
		if w.id != "" {
			return fmt.Errorf("webhook: %s registered twice", e.WebhookID)
		}
		w.id, w.account, w.secret, w.createdAt = e.WebhookID, e.AccountID, e.Secret, e.At
		w.spec = WebhookSpec{URL: e.URL, Events: e.Events, Description: e.Description}
	case WebhookDeleted:
		if w.id == "" {
			return fmt.Errorf("webhook: cannot apply %s before WebhookRegistered", e.Name())
		}
		w.deleted = true
	default:
		return unknownEvent("webhook", e)
	}
	return nil
}

// problems checks rules 1 and 2 and lists every problem.
func (s WebhookSpec) problems() []error {
	problems := textProblems(textProblem("url", s.URL, 2000, oneLine), textProblem("description", s.Description, 2000, freeText))
	if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, InvalidError{Field: "url", Reason: fmt.Sprintf("%q is not an absolute http or https URL", s.URL)})
	}
	for i, kind := range s.Events {
		if !IsWebhookEventKind(kind) {
			problems = append(problems, InvalidError{Field: "events", Reason: fmt.Sprintf("%q is not an event kind (one of %s)",
				kind, strings.Join(WebhookEventKindList(), ", "))})
		} else if slices.Contains(s.Events[:i], kind) {
			problems = append(problems, InvalidError{Field: "events", Reason: fmt.Sprintf("%q is listed twice", kind)})
		}
	}
	return problems
}

// ID returns the webhook's id.
func (w *Webhook) ID() WebhookID { return w.id }

// AccountID returns the account the webhook belongs to.
func (w *Webhook) AccountID() AccountID { return w.account }

// Spec returns what the registration told.
func (w *Webhook) Spec() WebhookSpec { return w.spec }

// Secret returns the key that signs the webhook's deliveries.
func (w *Webhook) Secret() string { return w.secret }

// CreatedAt returns when the webhook was registered.
func (w *Webhook) CreatedAt() time.Time { return w.createdAt }

// Deleted reports whether the webhook was deleted.
func (w *Webhook) Deleted() bool { return w.deleted }
