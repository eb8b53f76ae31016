package http_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// A create retried with its Idempotency-Key answers exactly what the first
// answered, replayed from the stored answer without running the handler
// again: the campaign changed in between, and the replay still shows it
// as created. The create was sent once.
func TestRetriedCreateReplaysTheFirstAnswer(t *testing.T) {
	a := newAPI(t)
	description := ""
	a.ports.editCampaign = func(c commands.EditCampaign) (commands.Result, error) {
		description = *c.Edit.Description
		return commands.Result{}, nil
	}
	a.ports.campaign = func(account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
		c := draftCampaign(account, id)
		c.Description = description
		return c, nil
	}
	body := campaignBody("alpha", "m")
	first := a.Must(http.StatusCreated, "POST", "/v3/update-campaigns", body, "Idempotency-Key", "create-alpha")
	if got := first.Header().Get("Idempotent-Replayed"); got != "" {
		t.Errorf("first answer has Idempotent-Replayed %q", got)
	}
	id := apitest.Object(t, first)["id"].(string)
	a.Must(http.StatusOK, "PUT", "/v3/update-campaigns/"+id, map[string]any{"description": "changed since"})

	again := a.Must(http.StatusCreated, "POST", "/v3/update-campaigns", body, "Idempotency-Key", "create-alpha")
	if again.Body.String() != first.Body.String() {
		t.Errorf("replayed body differs:\n first %s\n again %s", first.Body, again.Body)
	}
	if again.Header().Get("Idempotent-Replayed") != "true" || again.Header().Get("Content-Type") != "application/json" {
		t.Errorf("replay headers %v", again.Header())
	}
	if diff := cmp.Diff([]string{"CreateCampaign", "EditCampaign"}, a.ports.wrote()); diff != "" {
		t.Errorf("writes sent (-want +got):\n%s", diff)
	}
}

// An answer of 4xx is stored too: the retry gets the same refusal.
func TestRefusedRequestIsReplayed(t *testing.T) {
	a := newAPI(t)
	first := apitest.ErrorOf(t, a.Call("POST", "/v3/devices", acmeKey, map[string]any{"name": "no id"}, "Idempotency-Key", "k"), http.StatusBadRequest)
	again := a.Call("POST", "/v3/devices", acmeKey, map[string]any{"name": "no id"}, "Idempotency-Key", "k")
	if e := apitest.ErrorOf(t, again, http.StatusBadRequest); e.Message != first.Message || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry answered %+v, headers %v; first %+v", e, again.Header(), first)
	}
	if got := a.ports.wrote(); len(got) != 0 {
		t.Errorf("writes sent: %v", got)
	}
}

// A key used again with another body, path or method answers 422 naming
// the difference, and sends nothing.
func TestKeyReusedForAnotherRequestIsRefused(t *testing.T) {
	a := newAPI(t)
	a.Must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": "dev-1"}, "Idempotency-Key", "k")
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
			e := apitest.ErrorOf(t, a.Call(tc.method, tc.path, acmeKey, tc.body, "Idempotency-Key", "k"), http.StatusUnprocessableEntity)
			if e.Type != "validation_error" || !strings.Contains(e.Message, tc.want) || !strings.Contains(e.Message, "Idempotency-Key") {
				t.Errorf("error %+v, want a validation_error naming %q", e, tc.want)
			}
		})
	}
	if diff := cmp.Diff([]string{"RegisterDevice"}, a.ports.wrote()); diff != "" {
		t.Errorf("writes sent (-want +got):\n%s", diff)
	}
}

// Keys belong to their account: another account's request with the same
// key is its own request.
func TestAccountsUseOneKeyIndependently(t *testing.T) {
	a := newAPI(t)
	for _, key := range []string{acmeKey, globexKey} {
		rec := a.Call("POST", "/v3/devices", key, map[string]any{"id": "dev-" + key}, "Idempotency-Key", "shared")
		if rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "" {
			t.Fatalf("%s: %d %s, replayed %q", key, rec.Code, rec.Body, rec.Header().Get("Idempotent-Replayed"))
		}
		if got := apitest.Object(t, rec); got["id"] != "dev-"+key {
			t.Errorf("%s created %v", key, got)
		}
	}
	want := []call{{"RegisterDevice", "acme"}, {"RegisterDevice", "globex"}}
	if diff := cmp.Diff(want, a.ports.called()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// X-Request-Id traces a request and nothing more: two writes sending the
// same one are two commands, and errors quote it.
func TestRequestIDIsNotACommandID(t *testing.T) {
	a := newAPI(t)
	var ids []string
	a.ports.patchDevice = func(c commands.PatchDevice) (commands.Result, error) {
		ids = append(ids, c.CommandID)
		return commands.Result{Stream: registered(c.Account, c.DeviceID, domain.DeviceAttributes{})}, nil
	}
	a.ports.device = func(_ domain.AccountID, id domain.DeviceID) (projections.Device, error) {
		return projections.Device{}, domain.NotFoundError{Object: "device", ID: string(id)}
	}
	a.Must(http.StatusOK, "PUT", "/v3/devices/dev-1", map[string]any{"name": "first"}, "X-Request-Id", "trace-2")
	a.Must(http.StatusOK, "PUT", "/v3/devices/dev-1", map[string]any{"name": "second"}, "X-Request-Id", "trace-2")
	if len(ids) != 2 || ids[0] == ids[1] || ids[0] == "trace-2" {
		t.Errorf("command ids %q, want two new ones", ids)
	}
	if e := apitest.ErrorOf(t, a.Call("GET", "/v3/devices/nope", acmeKey, nil, "X-Request-Id", "trace-3"), http.StatusNotFound); e.RequestID != "trace-3" {
		t.Errorf("request_id %q", e.RequestID)
	}
}

// Bad keys answer 400 on writes; reads ignore the header.
func TestInvalidKeysAreRefused(t *testing.T) {
	a := newAPI(t)
	for name, key := range map[string]string{"too long": strings.Repeat("k", 256), "control character": "a\x01b", "not UTF-8": "a\xffb"} {
		t.Run(name, func(t *testing.T) {
			apitest.ErrorOf(t, a.Call("POST", "/v3/devices", acmeKey, map[string]any{"id": "dev-1"}, "Idempotency-Key", key), http.StatusBadRequest)
			a.Must(http.StatusOK, "GET", "/v3/devices", nil, "Idempotency-Key", key)
		})
	}
	a.Must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": "dev-1"}, "Idempotency-Key", strings.Repeat("k", 255))
	if diff := cmp.Diff([]string{"RegisterDevice"}, a.ports.wrote()); diff != "" {
		t.Errorf("writes sent (-want +got):\n%s", diff)
	}
}

// While the first request with a key is answered, another with the key
// answers 409 with Retry-After; once the first answered, a retry replays it.
func TestRequestInFlightWithTheKeyAnswersConflict(t *testing.T) {
	// A bulk import answers once the read models show it: it holds the
	// key until they do.
	shown := make(chan struct{})
	a := newAPI(t, func(d *httpapi.Deps) {
		d.WaitFor = func(context.Context, eventstore.Position) error { <-shown; return nil }
	})
	body := map[string]any{"devices": []map[string]any{{"id": "dev-1"}}}
	answers := make(chan *httptest.ResponseRecorder, 2)
	for range 2 {
		go func() { answers <- a.Call("POST", "/v3/devices/bulk", acmeKey, body, "Idempotency-Key", "k") }()
	}
	rec := <-answers
	apitest.ErrorOf(t, rec, http.StatusConflict)
	if rec.Header().Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
	}
	close(shown)
	got := <-answers
	if got.Code != http.StatusAccepted || got.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("first import: %d %s %v", got.Code, got.Body, got.Header())
	}
	again := a.Must(http.StatusAccepted, "POST", "/v3/devices/bulk", body, "Idempotency-Key", "k")
	if again.Body.String() != got.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry after the first answered: %s %v", again.Body, again.Header())
	}
}
