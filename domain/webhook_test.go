package domain

import (
	"strings"
	"testing"
)

// webhookSecret is a valid secret: 64 hex digits, as the handler makes.
var webhookSecret = strings.Repeat("5e", 32)

// webhookSpec is a valid spec of webhook w1.
func webhookSpec() WebhookSpec {
	return WebhookSpec{URL: "https://ops.example.com/hooks", Events: []string{"campaign.stopped"}, Description: "ops"}
}

// webhookRegistered is the registration of webhookSpec as w1.
func webhookRegistered() WebhookRegistered {
	return WebhookRegistered{WebhookID: "w1", AccountID: "acc1", URL: "https://ops.example.com/hooks", Secret: webhookSecret,
		Events: []string{"campaign.stopped"}, Description: "ops", At: t0}
}

func TestNewWebhook(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   func(*WebhookSpec)
		secret string
		then   []Event
		err    error
	}{
		{name: "a webhook is registered", spec: func(*WebhookSpec) {}, then: []Event{webhookRegistered()}},
		{name: "a webhook wanting every kind lists none", spec: func(s *WebhookSpec) { s.Events = nil },
			then: []Event{func() Event { e := webhookRegistered(); e.Events = nil; return e }()}},
		{name: "a relative URL is refused", spec: func(s *WebhookSpec) { s.URL = "/hooks" }, err: InvalidError{Field: "url"}},
		{name: "a URL without a host is refused", spec: func(s *WebhookSpec) { s.URL = "https:///hooks" }, err: InvalidError{Field: "url"}},
		{name: "a URL of another scheme is refused", spec: func(s *WebhookSpec) { s.URL = "ftp://ops.example.com/x" }, err: InvalidError{Field: "url"}},
		{name: "a URL that does not parse is refused", spec: func(s *WebhookSpec) { s.URL = "http://[::1" }, err: InvalidError{Field: "url"}},
		{name: "a URL of 2001 characters is refused", spec: func(s *WebhookSpec) { s.URL = "https://a.example/" + strings.Repeat("a", 1983) },
			err: InvalidError{Field: "url"}},
		{name: "an unknown event kind is refused", spec: func(s *WebhookSpec) { s.Events = []string{"campaign.exploded"} }, err: InvalidError{Field: "events"}},
		{name: "a kind listed twice is refused", spec: func(s *WebhookSpec) { s.Events = []string{"campaign.stopped", "campaign.stopped"} },
			err: InvalidError{Field: "events"}},
		{name: "a description of 2001 characters is refused", spec: func(s *WebhookSpec) { s.Description = strings.Repeat("a", 2001) },
			err: InvalidError{Field: "description"}},
		{name: "a short secret is refused", spec: func(*WebhookSpec) {}, secret: "short", err: InvalidError{Field: "secret"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := webhookSpec()
			tc.spec(&spec)
			secret := webhookSecret
			if tc.secret != "" {
				secret = tc.secret
			}
			w, err := NewWebhook("w1", "acc1", spec, secret, t0)
			checkErr(t, err, tc.err)
			if err != nil {
				return
			}
			checkEvents(t, w.Changes(), tc.then)
			checkReplay(t, LoadWebhook, w, w.Changes())
		})
	}
}

func TestAURLOf2000CharactersIsAccepted(t *testing.T) {
	spec := webhookSpec()
	spec.URL = "https://a.example/" + strings.Repeat("a", 1982)
	if _, err := NewWebhook("w1", "acc1", spec, webhookSecret, t0); err != nil {
		t.Fatalf("a URL of %d characters: got %v, want it registered", len(spec.URL), err)
	}
}

func TestWebhookDelete(t *testing.T) {
	registered := []Event{webhookRegistered()}
	del := func(w *Webhook) error { return w.Delete(at(10)) }
	runScenarios(t, LoadWebhook, []scenario[*Webhook]{
		{name: "a webhook is deleted", given: registered, when: del, then: []Event{WebhookDeleted{At: at(10)}}},
		{name: "a webhook deleted twice is not found the second time", given: with(registered, WebhookDeleted{At: at(1)}), when: del,
			err: NotFoundError{Object: "webhook", ID: "w1"}},
		{name: "a webhook never registered is not found", when: del, err: NotFoundError{Object: "webhook"}},
	})
}

func TestWebhookApplyKeepsItsStreamWhole(t *testing.T) {
	for name, history := range map[string][]Event{
		"a second registration":          {webhookRegistered(), webhookRegistered()},
		"a deletion before registration": {WebhookDeleted{At: t0}},
	} {
		if _, err := LoadWebhook(history); err == nil {
			t.Errorf("loading %s succeeded, want an error", name)
		}
	}
}

func TestWebhookGetters(t *testing.T) {
	w, err := LoadWebhook([]Event{webhookRegistered(), WebhookDeleted{At: at(1)}})
	if err != nil {
		t.Fatal(err)
	}
	got := []any{w.ID(), w.AccountID(), w.Spec().URL, w.Secret(), w.CreatedAt(), w.Deleted()}
	want := []any{WebhookID("w1"), AccountID("acc1"), "https://ops.example.com/hooks", webhookSecret, t0, true}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("getter %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestEveryWebhookEventKindIsKnown(t *testing.T) {
	for name, kind := range WebhookEventKinds {
		if _, ok := eventTypes[name]; !ok {
			t.Errorf("WebhookEventKinds names %s (%s), which is no registered event", name, kind)
		}
	}
}
