package http_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// campaignBody is the body of a campaign create named name.
func campaignBody(name, manifest string) map[string]any {
	return map[string]any{"name": name, "root_manifest_id": manifest, "device_filter": "state__eq=registered"}
}

// A create retried with its Idempotency-Key answers exactly what the first
// answered, replayed from the stored answer without running the handler
// again: the campaign changed in between, and the replay still shows it
// as created. One campaign exists.
func TestRetriedCreateReplaysTheFirstAnswer(t *testing.T) {
	a := newAPI(t)
	body := campaignBody("alpha", a.manifest("class-1"))
	first := a.must(http.StatusCreated, "POST", "/v3/update-campaigns", body, "Idempotency-Key", "create-alpha")
	if got := first.Header().Get("Idempotent-Replayed"); got != "" {
		t.Errorf("first answer has Idempotent-Replayed %q", got)
	}
	id := object(t, first)["id"].(string)
	a.must(http.StatusOK, "PUT", "/v3/update-campaigns/"+id, map[string]any{"description": "changed since"})

	again := a.must(http.StatusCreated, "POST", "/v3/update-campaigns", body, "Idempotency-Key", "create-alpha")
	if again.Body.String() != first.Body.String() {
		t.Errorf("replayed body differs:\n first %s\n again %s", first.Body, again.Body)
	}
	if again.Header().Get("Idempotent-Replayed") != "true" || again.Header().Get("Content-Type") != "application/json" {
		t.Errorf("replay headers %v", again.Header())
	}
	if p := pageOf(t, a.must(http.StatusOK, "GET", "/v3/update-campaigns", nil)); len(p.Data) != 1 {
		t.Errorf("campaigns after a retried create: %v", p.ids("id"))
	}
}

// An answer of 4xx is stored too: the retry gets the same refusal.
func TestRefusedRequestIsReplayed(t *testing.T) {
	a := newAPI(t)
	first := errorOf(t, a.call("POST", "/v3/devices", acmeKey, map[string]any{"name": "no id"}, "Idempotency-Key", "k"), http.StatusBadRequest)
	again := a.call("POST", "/v3/devices", acmeKey, map[string]any{"name": "no id"}, "Idempotency-Key", "k")
	if e := errorOf(t, again, http.StatusBadRequest); e.Message != first.Message || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry answered %+v, headers %v; first %+v", e, again.Header(), first)
	}
}

// A key used again with another body, path or method answers 422 naming
// the difference, and records nothing.
func TestKeyReusedForAnotherRequestIsRefused(t *testing.T) {
	a := newAPI(t)
	a.must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": "dev-1"}, "Idempotency-Key", "k")
	for _, tc := range []struct {
		name, method, path string
		body               any
		want               string
	}{
		{"another body", "POST", "/v3/devices", map[string]any{"id": "dev-2"}, "another body"},
		{"another path", "POST", "/v3/firmware-manifests", map[string]any{"name": "fw"}, "POST /v3/devices"},
		{"another method", "PUT", "/v3/devices/dev-1", map[string]any{"name": "x"}, "POST /v3/devices"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := errorOf(t, a.call(tc.method, tc.path, acmeKey, tc.body, "Idempotency-Key", "k"), http.StatusUnprocessableEntity)
			if e.Type != "validation_error" || !strings.Contains(e.Message, tc.want) || !strings.Contains(e.Message, "Idempotency-Key") {
				t.Errorf("error %+v, want a validation_error naming %q", e, tc.want)
			}
		})
	}
	errorOf(t, a.call("GET", "/v3/devices/dev-2", acmeKey, nil), http.StatusNotFound)
	if p := pageOf(t, a.must(http.StatusOK, "GET", "/v3/firmware-manifests", nil)); len(p.Data) != 0 {
		t.Errorf("manifests %v", p.ids("id"))
	}
	if got := object(t, a.must(http.StatusOK, "GET", "/v3/devices/dev-1", nil)); got["name"] != "" {
		t.Errorf("dev-1 = %v", got)
	}
}

// Keys belong to their account: another account's request with the same
// key is its own request.
func TestAccountsUseOneKeyIndependently(t *testing.T) {
	a := newAPI(t)
	for _, key := range []string{acmeKey, globexKey} {
		rec := a.call("POST", "/v3/devices", key, map[string]any{"id": "dev-" + key}, "Idempotency-Key", "shared")
		if rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "" {
			t.Fatalf("%s: %d %s, replayed %q", key, rec.Code, rec.Body, rec.Header().Get("Idempotent-Replayed"))
		}
		if got := object(t, a.call("GET", "/v3/devices/dev-"+key, key, nil)); got["id"] != "dev-"+key {
			t.Errorf("%s reads %v", key, got)
		}
	}
}

// X-Request-Id traces a request and nothing more: two writes sending the
// same one both take effect, and errors quote it.
func TestRequestIDIsNotACommandID(t *testing.T) {
	a := newAPI(t)
	a.must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": "dev-1"}, "X-Request-Id", "trace-1")
	a.must(http.StatusOK, "PUT", "/v3/devices/dev-1", map[string]any{"name": "first"}, "X-Request-Id", "trace-2")
	a.must(http.StatusOK, "PUT", "/v3/devices/dev-1", map[string]any{"name": "second"}, "X-Request-Id", "trace-2")
	if got := object(t, a.must(http.StatusOK, "GET", "/v3/devices/dev-1", nil)); got["name"] != "second" {
		t.Errorf("after two PUTs with one request id, name = %v", got["name"])
	}
	if e := errorOf(t, a.call("GET", "/v3/devices/nope", acmeKey, nil, "X-Request-Id", "trace-3"), http.StatusNotFound); e.RequestID != "trace-3" {
		t.Errorf("request_id %q", e.RequestID)
	}
}

// Bad keys answer 400 on writes; reads ignore the header.
func TestInvalidKeysAreRefused(t *testing.T) {
	a := newAPI(t)
	for name, key := range map[string]string{"too long": strings.Repeat("k", 256), "control character": "a\x01b", "not UTF-8": "a\xffb"} {
		t.Run(name, func(t *testing.T) {
			errorOf(t, a.call("POST", "/v3/devices", acmeKey, map[string]any{"id": "dev-1"}, "Idempotency-Key", key), http.StatusBadRequest)
			a.must(http.StatusOK, "GET", "/v3/devices", nil, "Idempotency-Key", key)
		})
	}
	errorOf(t, a.call("GET", "/v3/devices/dev-1", acmeKey, nil), http.StatusNotFound)
	a.must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": "dev-1"}, "Idempotency-Key", strings.Repeat("k", 255))
}

// While the first request with a key is answered, another with the key
// answers 409 with Retry-After; once the first answered, a retry replays it.
func TestRequestInFlightWithTheKeyAnswersConflict(t *testing.T) {
	a := newPausedAPI(t)
	// A bulk import answers once the paused read models show it: it holds
	// the key until resume.
	body := map[string]any{"devices": []map[string]any{{"id": "dev-1"}}}
	answers := make(chan *httptest.ResponseRecorder, 2)
	for range 2 {
		go func() { answers <- a.call("POST", "/v3/devices/bulk", acmeKey, body, "Idempotency-Key", "k") }()
	}
	// One of the two holds the key until resume; the other answers now.
	rec := <-answers
	errorOf(t, rec, http.StatusConflict)
	if rec.Header().Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
	}
	a.resume()
	got := <-answers
	if got.Code != http.StatusAccepted || got.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("first import: %d %s %v", got.Code, got.Body, got.Header())
	}
	again := a.must(http.StatusAccepted, "POST", "/v3/devices/bulk", body, "Idempotency-Key", "k")
	if again.Body.String() != got.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry after the first answered: %s %v", again.Body, again.Header())
	}
}

// Concurrent requests with one key create once: each answers the create,
// its replay, or 409; never two creates.
func TestConcurrentRequestsWithOneKeyCreateOnce(t *testing.T) {
	a := newAPI(t)
	body := campaignBody("alpha", a.manifest("class-1"))
	const n = 8
	recs := make([]*httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { recs[i] = a.call("POST", "/v3/update-campaigns", acmeKey, body, "Idempotency-Key", "k") })
	}
	wg.Wait()
	created := 0
	for _, rec := range recs {
		switch {
		case rec.Code == http.StatusCreated && rec.Header().Get("Idempotent-Replayed") == "":
			created++
		case rec.Code == http.StatusCreated, rec.Code == http.StatusConflict:
		default:
			t.Errorf("answer %d %s", rec.Code, rec.Body)
		}
	}
	if created != 1 {
		t.Errorf("%d answers ran the create, want 1", created)
	}
	if p := pageOf(t, a.must(http.StatusOK, "GET", "/v3/update-campaigns", nil)); len(p.Data) != 1 {
		t.Errorf("campaigns %v", p.ids("id"))
	}
}
