package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// asyncD1 is an async response for device d1 (camp + base64url "d1").
const asyncD1 = `{"id":"camp.ZDE","status":200}`

// notYetKnownUntil makes the fake answer async responses with
// ErrNotYetKnown until known is set, as the command does until the engine
// records the send.
func notYetKnownUntil(known *atomic.Bool) func(string) error {
	return func(command string) error {
		if strings.HasPrefix(command, "async") && !known.Load() {
			return fmt.Errorf("commands.HandleAsyncResponse: %w", commands.ErrNotYetKnown)
		}
		return nil
	}
}

func TestAnAsyncResponseNotYetKnownIsRetriedWhileTheDevicesLaterItemsWaitBehindIt(t *testing.T) {
	w := newWebhook(t, &RetryPolicy{First: 2 * time.Millisecond, Max: 10 * time.Millisecond})
	var known atomic.Bool
	w.side.answer = notYetKnownUntil(&known)

	rec := w.post(`{"async-responses":[` + asyncD1 + `],"notifications":[{"ep":"d1","path":"/10252/0/2","payload":"Mg=="},{"ep":"d2","path":"/10252/0/2","payload":"NA=="}]}`)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("status %d body %s", rec.Code, rec.Body)
	}
	rec = w.post(`{"notifications":[{"ep":"d1","path":"/10252/0/3","payload":"MQ=="}]}`)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("second body: status %d body %s", rec.Code, rec.Body)
	}
	if n := w.deps.ConnectorRetries.Waiting(); n != 3 {
		t.Errorf("%d items waiting, want d1's async response and its two notifications", n)
	}
	known.Store(true)
	webhookEventually(t, "the waiting items to apply", func() bool { return w.deps.ConnectorRetries.Waiting() == 0 })

	var d1 []string
	for _, c := range w.side.commands() {
		if strings.Contains(c, "camp.ZDE") || strings.Contains(c, " d1 ") {
			d1 = append(d1, c)
		}
	}
	want := []string{`acme async camp.ZDE 200 "" ok`, "acme notify d1 /10252/0/2 2 ok", "acme notify d1 /10252/0/3 1 ok"}
	if len(d1) < 4 || d1[0] != `acme async camp.ZDE 200 "" error` {
		t.Fatalf("d1's commands %v: want the async response refused first", d1)
	}
	if diff := cmp.Diff(want, d1[len(d1)-3:]); diff != "" {
		t.Errorf("d1's last commands (-want +got):\n%s", diff)
	}
	if log := w.log.String(); strings.Contains(log, "dropped") {
		t.Errorf("nothing should be dropped; log:\n%s", log)
	}
}

func TestAnItemRetriedPastItsBoundIsLoggedAsDropped(t *testing.T) {
	w := newWebhook(t, &RetryPolicy{First: 2 * time.Millisecond, Max: 5 * time.Millisecond, For: 30 * time.Millisecond})
	var known atomic.Bool
	w.side.answer = notYetKnownUntil(&known)
	if rec := w.post(`{"async-responses":[` + asyncD1 + `],"notifications":[{"ep":"d1","path":"/10252/0/2","payload":"Mg=="}]}`); rec.Code != http.StatusNoContent {
		t.Fatalf("status %d body %s", rec.Code, rec.Body)
	}
	webhookEventually(t, "the retries to end", func() bool { return w.deps.ConnectorRetries.Waiting() == 0 })
	log := w.log.String()
	if !strings.Contains(log, "connector item dropped after retrying") || !strings.Contains(log, "async-responses[0] id=camp.ZDE status=200") {
		t.Errorf("the dropped async response is not logged:\n%s", log)
	}
	// The notification behind it still applied once the response was given up.
	if got := w.side.commands(); got[len(got)-1] != "acme notify d1 /10252/0/2 2 ok" {
		t.Errorf("commands %v: want d1's notification applied last", got)
	}
}

func TestClosingLogsEveryItemStillWaiting(t *testing.T) {
	w := newWebhook(t, &RetryPolicy{First: time.Hour})
	var known atomic.Bool
	w.side.answer = notYetKnownUntil(&known)
	w.post(`{"async-responses":[` + asyncD1 + `],"notifications":[{"ep":"d1","path":"/10252/0/2","payload":"Mg=="}]}`)
	done := make(chan struct{})
	go func() { w.deps.ConnectorRetries.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if n := strings.Count(w.log.String(), "connector item dropped: the service is stopping"); n != 2 {
		t.Errorf("%d items logged as dropped at close, want 2; log:\n%s", n, w.log)
	}
	if rec := w.post(`{"async-responses":[` + asyncD1 + `]}`); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("after Close: status %d, want 503 so that the connector delivers again", rec.Code)
	}
}

func TestWhatTheConnectorMustDeliverAgainIsAnsweredWithAnError(t *testing.T) {
	notYet := fmt.Errorf("wrapped: %w", commands.ErrNotYetKnown)
	tests := []struct {
		name   string
		policy *RetryPolicy
		answer error
		body   string
		status int
		log    string
	}{
		{name: "a domain refusal is logged and skipped", policy: &RetryPolicy{}, answer: domain.NotFoundError{Object: "device", ID: "d1"},
			body: `{"notifications":[{"ep":"d1","path":"/10252/0/2","payload":"Mg=="}]}`, status: http.StatusNoContent, log: "connector item refused"},
		{name: "an infrastructure failure answers 500", policy: &RetryPolicy{}, answer: errors.New("connection refused"),
			body: `{"notifications":[{"ep":"d1","path":"/10252/0/2","payload":"Mg=="}]}`, status: http.StatusInternalServerError, log: "connection refused"},
		{name: "without retries an item not yet known answers 503", answer: notYet,
			body: `{"async-responses":[` + asyncD1 + `]}`, status: http.StatusServiceUnavailable},
		{name: "past the bound on waiting items the body answers 503", policy: &RetryPolicy{MaxWaiting: 1, First: time.Hour}, answer: notYet,
			body: `{"async-responses":[` + asyncD1 + `,{"id":"camp.ZDI","status":200}]}`, status: http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWebhook(t, tt.policy)
			w.side.answer = func(string) error { return tt.answer }
			rec := w.post(tt.body)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status != http.StatusNoContent {
				var e errorObject
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code != tt.status {
					t.Errorf("body %s is not an error object of %d", rec.Body, tt.status)
				}
			}
			if !strings.Contains(w.log.String(), tt.log) {
				t.Errorf("log lacks %q:\n%s", tt.log, w.log)
			}
		})
	}
}
