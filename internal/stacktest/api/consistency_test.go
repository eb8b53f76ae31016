package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// A device write answers once its events are stored, with the device as
// the catalog will show it; the account's next read waits until the read
// models show the write, and then shows exactly that answer. Another
// account's reads do not wait.
func TestDeviceWritesAnswerAtOnceAndReadsWaitForThem(t *testing.T) {
	a := newPausedAPI(t)
	created := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/devices", map[string]any{
		"id": "dev-1", "name": "boiler", "device_class": "class-1", "groups": []string{"north"},
	}))
	updated := apitest.Object(t, a.Must(http.StatusOK, "PUT", "/v3/devices/dev-1", map[string]any{"firmware_checksum": "fw-2"}))
	if created["created_at"] != updated["created_at"] || updated["firmware_checksum"] != "fw-2" || updated["name"] != "boiler" {
		t.Errorf("created %v, then updated %v", created, updated)
	}

	// globex wrote nothing: its reads answer while the runner is paused.
	if p := apitest.PageOf(t, a.Call("GET", "/v3/devices", globexKey, nil)); len(p.Data) != 0 {
		t.Errorf("globex's catalog = %+v", p)
	}

	answered := make(chan *httptest.ResponseRecorder, 1)
	go func() { answered <- a.Call("GET", "/v3/devices/dev-1", acmeKey, nil) }()
	select {
	case rec := <-answered:
		t.Fatalf("GET answered %d before the read models reflected the writes: %s", rec.Code, rec.Body)
	case <-time.After(200 * time.Millisecond):
	}
	a.resume()
	rec := <-answered
	if rec.Code != http.StatusOK {
		t.Fatalf("GET after the writes: %d %s", rec.Code, rec.Body)
	}
	if diff := cmp.Diff(updated, apitest.Object(t, rec)); diff != "" {
		t.Errorf("GET differs from the write's answer (-answer +GET):\n%s", diff)
	}

	// A delete answers 204 at once too; the next read shows it.
	a.Must(http.StatusNoContent, "DELETE", "/v3/devices/dev-1", nil)
	if got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/devices/dev-1", nil)); got["state"] != "deregistered" {
		t.Errorf("after DELETE = %v", got)
	}
}

// A create sent again with its Idempotency-Key is the same write: it
// records nothing more and answers as the first did.
func TestRepeatedDeviceCreatesAnswerTheFirstWrite(t *testing.T) {
	a := newAPI(t)
	body := map[string]any{"id": "dev-1", "name": "boiler", "device_class": "class-1"}
	first := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/devices", body, "Idempotency-Key", "create-1"))
	time.Sleep(5 * time.Millisecond) // a decision made again would carry a later time
	again := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/devices", body, "Idempotency-Key", "create-1"))
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("second answer differs (-first +second):\n%s", diff)
	}
	got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/devices/dev-1", nil))
	if got["updated_at"] != again["updated_at"] {
		t.Errorf("GET shows updated_at %v, the answer %v", got["updated_at"], again["updated_at"])
	}
}
