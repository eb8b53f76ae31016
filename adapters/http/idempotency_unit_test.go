package http

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// keyedHandler is h behind authentication and idempotent, with the keys
// in memory.
func keyedHandler(t *testing.T, h http.HandlerFunc) func() *httptest.ResponseRecorder {
	t.Helper()
	d := Deps{apiKeys: newAPIKeys(map[string]Grant{"key": {Account: "acme"}}), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		IdempotencyKeys: NewMemoryKeys()}
	served := d.authenticate(d.idempotent(h))
	return func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/v3/things", strings.NewReader(`{"a":1}`))
		req.Header.Set("Authorization", "Bearer key")
		req.Header.Set(headerIdempotencyKey, "k")
		rec := httptest.NewRecorder()
		func() {
			defer func() { _ = recover() }() // Recoverer's place
			served.ServeHTTP(rec, req)
		}()
		return rec
	}
}

// A 5xx answer, or a panic, is not kept: the retry runs again. The first
// answer below 500 is kept and replayed.
func TestFailedRequestsAreNotKept(t *testing.T) {
	runs := 0
	send := keyedHandler(t, func(w http.ResponseWriter, r *http.Request) {
		runs++
		switch runs {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			panic("handler failed")
		default:
			w.Header().Set("Location", "/v3/things/1")
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, "created")
		}
	})
	for i, want := range []struct {
		status   int
		replayed string
		runs     int
	}{
		{http.StatusServiceUnavailable, "", 1}, {http.StatusOK, "", 2}, {http.StatusCreated, "", 3}, {http.StatusCreated, "true", 3},
	} {
		rec := send()
		if rec.Code != want.status || rec.Header().Get(headerReplayed) != want.replayed || runs != want.runs {
			t.Errorf("request %d: status %d, replayed %q after %d runs; want %d, %q after %d",
				i+1, rec.Code, rec.Header().Get(headerReplayed), runs, want.status, want.replayed, want.runs)
		}
		if rec.Code == http.StatusCreated && (rec.Body.String() != "created" || rec.Header().Get("Location") != "/v3/things/1") {
			t.Errorf("request %d: body %q, headers %v", i+1, rec.Body, rec.Header())
		}
	}
}
