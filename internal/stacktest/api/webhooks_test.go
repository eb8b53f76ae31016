package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// On the whole stack, a webhook's secret is answered by its create alone,
// and every /v3/webhooks route naming a webhook answers 404 for another
// account's, an unknown and a deleted one.
func TestWebhooksOnTheWholeStack(t *testing.T) {
	a := newAPI(t)
	created := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/webhooks", map[string]any{"url": "https://ops.example.com/hooks"}))
	id, _ := created["id"].(string)
	if s, _ := created["secret"].(string); len(s) != 64 {
		t.Errorf("create answered secret %q, want 64 hex digits", s)
	}
	got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/webhooks/"+id, nil))
	if _, shown := got["secret"]; shown {
		t.Errorf("get shows the secret: %v", got)
	}
	page := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/webhooks?include=total_count", nil))
	if len(page.Data) != 1 || page.Data[0]["secret"] != nil || page.TotalCount == nil || *page.TotalCount != 1 {
		t.Errorf("list = %+v, want the one webhook without its secret", page)
	}
	if deliveries := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/webhooks/"+id+"/deliveries", nil)); len(deliveries.Data) != 0 {
		t.Errorf("a new webhook has deliveries: %v", deliveries.Data)
	}

	routes := []string{"GET /v3/webhooks/{id}", "GET /v3/webhooks/{id}/deliveries", "DELETE /v3/webhooks/{id}"}
	deleted, _ := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/webhooks", map[string]any{"url": "https://ops.example.com/old"}))["id"].(string)
	a.Must(http.StatusNoContent, "DELETE", "/v3/webhooks/"+deleted, nil)
	for _, route := range routes {
		method, pattern, _ := strings.Cut(route, " ")
		for _, call := range []struct{ what, key, id string }{
			{"another account's", globexKey, id},
			{"an unknown", acmeKey, "0123456789abcdef0123456789abcdef"},
			{"a deleted", acmeKey, deleted},
		} {
			t.Run(route+" of "+call.what, func(t *testing.T) {
				path := "/v3/webhooks/" + call.id + pattern[len("/v3/webhooks/{id}"):]
				apitest.ErrorOf(t, a.Call(method, path, call.key, nil), http.StatusNotFound)
			})
		}
	}
	a.Must(http.StatusOK, "GET", "/v3/webhooks/"+id, nil) // globex's tries left it
}
