package http_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
)

func TestTheWebhookRefusesTenantAPIKeys(t *testing.T) {
	a := newAPI(t)
	registration := map[string]any{"registrations": []any{map[string]any{"ep": "dev-3", "ept": "class-3"}}}
	for _, key := range []string{acmeKey, globexKey, "", "nope", acmeHook + "x", acmeHook[:len(acmeHook)-1]} {
		data, _ := json.Marshal(registration)
		req := httptest.NewRequest("POST", "/v3/connector/notifications", bytes.NewReader(data))
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		apitest.CheckAnswer(t, req, rec)
		var body struct {
			Object, Type string
			Code         int
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusUnauthorized ||
			body.Object != "error" || body.Code != http.StatusUnauthorized || body.Type != "unauthorized" {
			t.Errorf("key %q: status %d, body %s; want 401 with an error object", key, rec.Code, rec.Body)
		}
	}
	if got := a.ports.wrote(); len(got) != 0 {
		t.Errorf("refused bodies sent writes: %v", got)
	}
	if rec := a.Call("GET", "/v3/devices", acmeHook, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("a webhook secret on the API: status %d, want 401", rec.Code)
	}
	// The secret itself is taken.
	if rec := a.Call("POST", "/v3/connector/notifications", acmeHook, registration); rec.Code != http.StatusNoContent {
		t.Errorf("acme's secret: status %d %s, want 204", rec.Code, rec.Body)
	}
}
