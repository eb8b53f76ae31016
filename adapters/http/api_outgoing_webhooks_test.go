package http_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/adapters/memstore"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// webhookAPI is the handler with the real webhook commands on a memstore
// and webhooks read back from them.
type webhookAPI struct {
	*api
	reads *webhookReads
}

func newWebhookAPI(t *testing.T) *webhookAPI {
	t.Helper()
	cmds := commands.New(memstore.New(), time.Now)
	reads := &webhookReads{cmds: cmds, deliveries: map[domain.WebhookID][]projections.WebhookDelivery{}}
	a := newAPI(t, func(d *httpapi.Deps) { d.Webhooks, d.WebhookReads = cmds, reads })
	return &webhookAPI{api: a, reads: reads}
}

var hexSecret = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestTheWebhookSecretIsShownOnlyByTheCreate(t *testing.T) {
	a := newWebhookAPI(t)
	created := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/webhooks",
		map[string]any{"url": "https://ops.example.com/hooks", "events": []string{"campaign.stopped"}, "description": "ops"}))
	id, _ := created["id"].(string)
	if secret, _ := created["secret"].(string); !hexSecret.MatchString(secret) {
		t.Errorf("create answered secret %q, want 64 hex digits", created["secret"])
	}
	if created["object"] != "webhook" || created["url"] != "https://ops.example.com/hooks" || created["description"] != "ops" {
		t.Errorf("create answered %v", created)
	}
	got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/webhooks/"+id, nil))
	if _, shown := got["secret"]; shown || got["id"] != id {
		t.Errorf("get answered %v, want webhook %s without its secret", got, id)
	}
	a.reads.deliveries[domain.WebhookID(id)] = nil
	page := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/webhooks", nil))
	if diff := cmp.Diff([]string{id}, page.IDs("id")); diff != "" {
		t.Errorf("list ids (-want +got):\n%s", diff)
	}
	for _, item := range page.Data {
		if _, shown := item["secret"]; shown {
			t.Errorf("list shows a secret: %v", item)
		}
	}
}

func TestAnIdempotentCreateAnswersTheSameSecretAgain(t *testing.T) {
	a := newWebhookAPI(t)
	body := map[string]any{"url": "https://ops.example.com/hooks"}
	first := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/webhooks", body, "Idempotency-Key", "k1"))
	again := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/webhooks", body, "Idempotency-Key", "k1"))
	if first["id"] != again["id"] || first["secret"] != again["secret"] {
		t.Errorf("retried create answered %v, want %v", again, first)
	}
}

func TestAWebhookCreateRefusesABadURLOrKind(t *testing.T) {
	a := newWebhookAPI(t)
	for name, body := range map[string]map[string]any{
		"a relative URL":   {"url": "/hooks"},
		"an ftp URL":       {"url": "ftp://ops.example.com/x"},
		"a long URL":       {"url": "https://ops.example.com/" + strings.Repeat("a", 2000)},
		"an unknown event": {"url": "https://ops.example.com/hooks", "events": []string{"device.exploded"}},
	} {
		t.Run(name, func(t *testing.T) {
			apitest.ErrorOf(t, a.Call("POST", "/v3/webhooks", acmeKey, body), http.StatusBadRequest)
		})
	}
}

func TestAnotherAccountsWebhookIsNotFound(t *testing.T) {
	a := newWebhookAPI(t)
	id, _ := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/webhooks", map[string]any{"url": "https://ops.example.com/hooks"}))["id"].(string)
	a.reads.deliveries[domain.WebhookID(id)] = []projections.WebhookDelivery{aDelivery(domain.WebhookID(id))}
	for _, c := range []struct{ method, path string }{
		{"GET", "/v3/webhooks/" + id},
		{"GET", "/v3/webhooks/" + id + "/deliveries"},
		{"DELETE", "/v3/webhooks/" + id},
	} {
		apitest.ErrorOf(t, a.Call(c.method, c.path, globexKey, nil), http.StatusNotFound)
	}
	if page := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/webhooks", nil)); len(page.Data) != 1 {
		t.Errorf("acme lists %d webhooks after globex's tries, want its 1", len(page.Data))
	}
	if page := apitest.PageOf(t, a.Call("GET", "/v3/webhooks", globexKey, nil)); len(page.Data) != 0 {
		t.Errorf("globex lists %v, want none", page.IDs("id"))
	}
}

func TestAWebhooksDeliveriesAreListedAndADeletedWebhookIsGone(t *testing.T) {
	a := newWebhookAPI(t)
	id, _ := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/webhooks", map[string]any{"url": "https://ops.example.com/hooks"}))["id"].(string)
	d := aDelivery(domain.WebhookID(id))
	a.reads.deliveries[domain.WebhookID(id)] = []projections.WebhookDelivery{d}
	page := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/webhooks/"+id+"/deliveries", nil))
	want := map[string]any{"object": "webhook-delivery", "id": d.ID.String(), "event": "campaign.stopped", "campaign_id": "c1",
		"status": "pending", "attempts": 1.0, "last_status_code": 500.0, "last_error": "receiver answered 500",
		"next_attempt_at": "2025-03-04T05:06:37Z", "delivered_at": nil, "created_at": "2025-03-04T05:06:07Z"}
	if len(page.Data) != 1 {
		t.Fatalf("deliveries = %v, want one", page.Data)
	}
	if diff := cmp.Diff(want, page.Data[0]); diff != "" {
		t.Errorf("delivery (-want +got):\n%s", diff)
	}
	a.Must(http.StatusNoContent, "DELETE", "/v3/webhooks/"+id, nil)
	apitest.ErrorOf(t, a.Call("GET", "/v3/webhooks/"+id, acmeKey, nil), http.StatusNotFound)
	apitest.ErrorOf(t, a.Call("GET", "/v3/webhooks/"+id+"/deliveries", acmeKey, nil), http.StatusNotFound)
	apitest.ErrorOf(t, a.Call("DELETE", "/v3/webhooks/"+id, acmeKey, nil), http.StatusNotFound)
}
