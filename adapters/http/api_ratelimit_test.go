package http_test

import (
	"net/http"
	"testing"
	"time"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// Over its limit an account is answered 429 with Retry-After, while
// another account, and the connector's webhook, are still served.
func TestAnAccountOverItsRateLimitIsAnsweredTooManyRequests(t *testing.T) {
	// A window of a minute: the test's requests all fall in it.
	a := newAPI(t, func(d *httpapi.Deps) {
		d.RateLimit = httpapi.RateLimit{Requests: 3, Window: time.Minute}
	})
	for range 3 {
		a.Must(http.StatusOK, "GET", "/v3/devices", nil)
	}
	rec := a.Call("POST", "/v3/devices", acmeKey, map[string]any{"id": "dev-1"})
	if e := apitest.ErrorOf(t, rec, http.StatusTooManyRequests); e.Type != "forbidden" || rec.Header().Get("Retry-After") != "60" {
		t.Errorf("error %+v, Retry-After %q", e, rec.Header().Get("Retry-After"))
	}
	apitest.ErrorOf(t, a.Call("GET", "/v3/devices/dev-1", acmeKey, nil), http.StatusTooManyRequests)
	if rec := a.Call("GET", "/v3/devices", globexKey, nil); rec.Code != http.StatusOK {
		t.Errorf("globex: %d %s", rec.Code, rec.Body)
	}
	if rec := a.Call("POST", "/v3/connector/notifications", acmeHook, []byte(`{}`)); rec.Code != http.StatusNoContent {
		t.Errorf("webhook: %d %s", rec.Code, rec.Body)
	}
}
