package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// fakeSide records the commands the webhook sends, in the order they
// apply, and answers each with what answer says (nil: success).
type fakeSide struct {
	mu     sync.Mutex
	got    []string
	answer func(command string) error
}

func (f *fakeSide) handle(meta commands.Meta, command string) error {
	f.mu.Lock()
	answer := f.answer
	f.mu.Unlock()
	var err error
	if answer != nil {
		err = answer(command)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	status := "ok"
	if err != nil {
		status = "error"
	}
	f.got = append(f.got, fmt.Sprintf("%s %s %s", meta.Account, command, status))
	return err
}

func (f *fakeSide) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.got)
}

func (f *fakeSide) RecordDeviceReports(_ context.Context, c commands.RecordDeviceReports) (commands.ReportsRecorded, error) {
	for _, r := range c.Reports {
		if err := f.handle(c.Meta, fmt.Sprintf("report %s %s %d", r.Device, r.Kind, r.Value)); err != nil {
			return commands.ReportsRecorded{}, err
		}
	}
	return commands.ReportsRecorded{}, nil
}

func (f *fakeSide) HandleRegistration(_ context.Context, c commands.HandleRegistration) (commands.Result, error) {
	a := c.Attributes
	return commands.Result{}, f.handle(c.Meta, fmt.Sprintf("register %s class=%s vendor=%s", c.DeviceID, a.DeviceClass, a.Vendor))
}

func (f *fakeSide) HandleDeregistration(_ context.Context, c commands.HandleDeregistration) (commands.Result, error) {
	return commands.Result{}, f.handle(c.Meta, "deregister "+string(c.DeviceID))
}

// syncLog is a log destination safe to read while retries write to it.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// webhook is the webhook of account acme on a fake device side.
type webhook struct {
	deps Deps
	side *fakeSide
	log  *syncLog
}

func newWebhook() *webhook {
	w := &webhook{side: &fakeSide{}, log: &syncLog{}}
	w.deps.Log = slog.New(slog.NewTextHandler(w.log, nil))
	w.deps.Connector, w.deps.Reports = w.side, w.side
	return w
}

func (w *webhook) post(body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/v3/connector/notifications", strings.NewReader(body))
	req = req.WithContext(context.WithValue(req.Context(), accountKey{}, domain.AccountID("acme")))
	rec := httptest.NewRecorder()
	w.deps.connectorNotifications(rec, req)
	return rec
}

func TestEveryItemOfABodyBecomesOneCommandInTheRequestsAccount(t *testing.T) {
	w := newWebhook()
	rec := w.post(`{
	 "de-registrations": ["d3"], "registrations-expired": ["d4"],
	 "notifications": [{"ep":"d1","path":"/10252/0/2","ct":"text/plain","payload":"NA==","max-age":0},
	                   {"ep":"d1","path":"/10252/0/3","payload":"MQ"},
	                   {"ep":"d1","path":"/3/0/13","payload":"MTcwMDAwMDAwMA=="}],
	 "async-responses": [{"id":"YWNtZQ.camp.ZDE","status":200,"error":"","payload":""},{"id":"request-of-another-app","status":200}],
	 "registrations": [{"ep":"d2","ept":"class-a","q":false,"resources":[{"path":"/10255/0/3","value":"vendor-1"},{"path":"/3/0/0"}]}],
	 "reg-updates": [{"ep":"d5","ept":"class-a","resources":[{"path":"/10255/0/4","payload":"Y2xhc3MtYg=="}]}],
	 "unknown-list": [1, 2]
	}`)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	got := w.side.commands()
	want := []string{
		`acme register d2 class=class-a vendor=vendor-1 ok`,
		`acme register d5 class=class-b vendor= ok`,
		`acme report d1 async_response 200 ok`,
		`acme report d1 lwm2m_state 4 ok`,
		`acme report d1 update_result 1 ok`,
		`acme deregister d3 ok`,
		`acme deregister d4 ok`,
	}
	// Devices are handled in parallel: compare each device's commands in order.
	if diff := cmp.Diff(commandsByDevice(want), commandsByDevice(got)); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
	if !strings.Contains(w.log.String(), "request-of-another-app") {
		t.Errorf("the async response to another application's request was not logged:\n%s", w.log)
	}
}

func TestAnAsyncResponseToAWriteOfAnotherAccountIsLoggedAndLeft(t *testing.T) {
	w := newWebhook() // acme's webhook secret
	globex := domain.AsyncID("globex", "c1", "d1")
	rec := w.post(fmt.Sprintf(`{"async-responses": [{"id":%q,"status":200}]}`, globex))
	if rec.Code != http.StatusNoContent {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	if got := w.side.commands(); len(got) > 0 {
		t.Errorf("acme's connector recorded globex's async response: %v", got)
	}
	if !strings.Contains(w.log.String(), globex) || !strings.Contains(w.log.String(), "answers a write of account globex") {
		t.Errorf("the async response of another account was not logged:\n%s", w.log)
	}
}

// commandsByDevice groups commands by the device they name, keeping their order.
func commandsByDevice(cmds []string) map[string][]string {
	out := map[string][]string{}
	for _, c := range cmds {
		device := strings.Fields(c)[2]
		out[device] = append(out[device], c)
	}
	return out
}

func TestAnInvalidBodyIsRefusedWithoutHandlingAnyItem(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		fields []string
	}{
		{name: "not JSON", body: `{"notifications":`, fields: []string{"body"}},
		{name: "a list of the wrong type", body: `{"notifications":{"ep":"d1"}}`, fields: []string{"notifications"}},
		{name: "every bad item is named", body: `{"async-responses":[{"status":200}],"notifications":[{"ep":"d1","path":"/1/0/1","payload":"%%"},{"ep":"","path":"x"}],"de-registrations":["a b"]}`,
			fields: []string{"async-responses[0].id", "notifications[0].payload", "notifications[1].ep", "notifications[1].path", "de-registrations[0]"}},
		// Sent on, the report would make the report queue poison the whole batch.
		{name: "an async response's error the text rules refuse", body: `{"async-responses":[{"id":"YWNtZQ.camp.ZDE","status":502,"error":"a\u0000b"}]}`,
			fields: []string{"async-responses[0].error"}},
		{name: "an async response's status out of range", body: `{"async-responses":[{"id":"YWNtZQ.camp.ZDE","status":99}]}`,
			fields: []string{"async-responses[0].status"}},
		// Sent on, the registration would be refused by its command, and only logged.
		{name: "a registration's class or vendor the text rules refuse", body: `{"registrations":[{"ep":"d2","ept":"class\u0007"},
			{"ep":"d3","resources":[{"path":"/10255/0/3","value":"` + strings.Repeat("v", 129) + `"},{"path":"/10255/0/4","payload":"AA=="}]}]}`,
			fields: []string{"registrations[0].device_class", "registrations[1].device_class", "registrations[1].vendor_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWebhook()
			rec := w.post(tt.body)
			var e errorObject
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != http.StatusBadRequest || e.Object != "error" {
				t.Fatalf("status %d body %s, want a 400 error object", rec.Code, rec.Body)
			}
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Name)
			}
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("fields %v, want %v", fields, tt.fields)
			}
			if got := w.side.commands(); len(got) > 0 {
				t.Errorf("handled %v from an invalid body", got)
			}
		})
	}
}

func TestABodyOfTooManyItemsIsRefusedWithItsLimit(t *testing.T) {
	w := newWebhook()
	items := make([]string, maxBodyItems+1)
	for i := range items {
		items[i] = fmt.Sprintf(`{"ep":"d%d","path":"/10252/0/2","payload":"NA=="}`, i)
	}
	rec := w.post(`{"notifications":[` + strings.Join(items, ",") + `]}`)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "at most 10000") {
		t.Errorf("status %d body %.300s, want 413 naming the limit", rec.Code, rec.Body)
	}
	if got := w.side.commands(); len(got) > 0 {
		t.Errorf("handled %d items of a refused body", len(got))
	}
}

func TestAnErrorListsAtMostAHundredFields(t *testing.T) {
	w := newWebhook()
	items := make([]string, 150)
	for i := range items {
		items[i] = `{"ep":"","path":"/10252/0/2","payload":"NA=="}`
	}
	rec := w.post(`{"notifications":[` + strings.Join(items, ",") + `]}`)
	var e errorObject
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d, %v", rec.Code, err)
	}
	if len(e.Fields) != maxFieldErrors || !strings.Contains(e.Message, "and 50 more problems") {
		t.Errorf("%d fields, message ending %q; want %d fields and the count of the rest", len(e.Fields), e.Message[max(0, len(e.Message)-60):], maxFieldErrors)
	}
}
