package http

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// captureSide keeps the commands the webhook sends.
type captureSide struct {
	mu            sync.Mutex
	registrations []commands.HandleRegistration
	deregistered  []domain.DeviceID
	reports       []domain.Report
}

func (c *captureSide) HandleRegistration(_ context.Context, cmd commands.HandleRegistration) (commands.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.registrations = append(c.registrations, cmd)
	return commands.Result{}, nil
}

func (c *captureSide) HandleDeregistration(_ context.Context, cmd commands.HandleDeregistration) (commands.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deregistered = append(c.deregistered, cmd.DeviceID)
	return commands.Result{}, nil
}

func (c *captureSide) RecordDeviceReports(_ context.Context, cmd commands.RecordDeviceReports) (commands.ReportsRecorded, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reports = append(c.reports, cmd.Reports...)
	return commands.ReportsRecorded{}, nil
}

// webhookSeeds are notification channel bodies, realistic and hostile.
var webhookSeeds = []string{
	`{"de-registrations":["d3"],"registrations-expired":["d4"],
	  "notifications":[{"ep":"d1","path":"/10252/0/2","ct":"text/plain","payload":"NA==","max-age":0},
	                   {"ep":"d1","path":"/10252/0/3","payload":"MQ"},{"ep":"d1","path":"/3/0/13","payload":"MTcwMDAwMDAwMA=="}],
	  "async-responses":[{"id":"YWNtZQ.camp.ZDE","status":200,"error":"","payload":""},{"id":"request-of-another-app","status":200}],
	  "registrations":[{"ep":"d2","ept":"class-a","q":false,"resources":[{"path":"/10255/0/3","value":"vendor-1"},{"path":"/3/0/0"}]}],
	  "reg-updates":[{"ep":"d5","ept":"class-a","resources":[{"path":"/10255/0/4","payload":"Y2xhc3MtYg=="}]}],
	  "unknown-list":[1,2]}`,
	`{"async-responses":[{"id":"YWNtZQ.camp.ZDE","status":502,"error":"device \u0000 offline"}]}`,
	`{"async-responses":[{"id":"YWNtZQ.camp.ZDE","status":99}]}`, `{"async-responses":[{"id":"Z2xvYmV4.camp.ZDE","status":200}]}`,
	`{"async-responses":[{"id":"YWNtZQ.camp.ZDE\n","status":200}]}`,
	`{"registrations":[{"ep":"d2","ept":"class\u0007"}]}`,
	`{"registrations":[{"ep":"d2","resources":[{"path":"/10255/0/4","payload":"AA=="}]}]}`,
	`{"registrations":[{"ep":"d2","resources":[{"path":"/10255/0/3","value":"` + strings.Repeat("v", 129) + `"}]}]}`,
	`{"notifications":[{"ep":"d1","path":"/10252/0/3","payload":"LTE="}]}`,
	`{"notifications":[{"ep":"d1","path":"/10252/0/2","payload":"OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}]}`,
	`{"notifications":[{"ep":"","path":"10252/0/2","payload":"!!"}]}`,
	`{"de-registrations":["a/b","\u0000",""]}`,
	`{"notifications":{}}`, `[]`, `{}{}`, ``, `{"registrations":[{"ep":"d","q":"yes"}]}`,
}

// A notification channel body is answered 204 having sent only commands
// whose values the domain's rules accept, or 400 with a validation error,
// having sent none: never a 500, and never a 204 that hides a refusal of
// the body's own content in the log, or reports the report queue would
// poison.
func FuzzWebhookBody(f *testing.F) {
	for _, s := range webhookSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		side := &captureSide{}
		d := Deps{Connector: side, Reports: side, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		req := httptest.NewRequest("POST", "/v3/connector/notifications", strings.NewReader(body))
		req = req.WithContext(context.WithValue(req.Context(), accountKey{}, domain.AccountID("acme")))
		rec := httptest.NewRecorder()
		d.connectorNotifications(rec, req)
		switch rec.Code {
		case http.StatusNoContent:
		case http.StatusBadRequest:
			var e errorObject
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Type != "validation_error" || len(e.Fields) == 0 {
				t.Fatalf("body %q: 400 with %s, want a validation error naming fields", body, rec.Body)
			}
			if len(side.registrations)+len(side.deregistered)+len(side.reports) > 0 {
				t.Fatalf("body %q: refused, yet commands were sent", body)
			}
			return
		default:
			t.Fatalf("body %q: status %d %s", body, rec.Code, rec.Body)
		}
		for _, r := range side.reports {
			if err := r.Validate(); err != nil {
				t.Fatalf("body %q: sent the report %+v, which the report queue refuses: %v", body, r, err)
			}
		}
		for _, c := range side.registrations {
			if err := errors.Join(c.DeviceID.Validate(), domain.CheckText("device_class", c.Attributes.DeviceClass, 128, false),
				domain.CheckText("vendor_id", c.Attributes.Vendor, 128, false)); err != nil {
				t.Fatalf("body %q: sent the registration %+v, which the domain refuses: %v", body, c, err)
			}
		}
		for _, id := range side.deregistered {
			if err := id.Validate(); err != nil {
				t.Fatalf("body %q: sent the deregistration of %q: %v", body, id, err)
			}
		}
	})
}

// An If-Match header is absent (nil), an etag, or refused with an
// InvalidError of If-Match; an etag the API wrote, quoted, weak or bare,
// reads back as itself.
func FuzzIfMatch(f *testing.F) {
	for _, s := range []string{"", "*", `"7"`, "7", `W/"7"`, ` "18446744073709551615" `, `"18446744073709551616"`,
		`"-1"`, `"7`, `""`, `W/`, "\x00", `"1", "2"`, "0x10", "+5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest("PUT", "/", nil)
		req.Header["If-Match"] = []string{header}
		got, err := ifMatch(req)
		if err != nil {
			var invalid domain.InvalidError
			if !errors.As(err, &invalid) || invalid.Field != "If-Match" || got != nil {
				t.Fatalf("If-Match %q: %v, %v; want an InvalidError of If-Match", header, got, err)
			}
			return
		}
		if got == nil {
			return
		}
		etag := strconv.FormatUint(*got, 10)
		for _, written := range []string{`"` + etag + `"`, `W/"` + etag + `"`, etag} {
			req.Header.Set("If-Match", written)
			if again, err := ifMatch(req); err != nil || again == nil || *again != *got {
				t.Fatalf("If-Match %q read as %d, but %q reads as %v, %v", header, *got, written, again, err)
			}
		}
	})
}

// Whatever a route's path parameters hold, the handler behind
// checkPathParams sees only values by the text rules; any other answers
// 400 naming the parameter.
func FuzzPathParams(f *testing.F) {
	for _, s := range []string{"0157f3a2b6c94d5e8f0a1b2c3d4e5f60", "dev.1", "a%00b", "a%FFb", "a%ffb", "%01", "a%2Fb",
		"%E2%80%A8", "%F4%90%80%80", "%ED%A0%80", strings.Repeat("x", 129), "%C3%A9"} {
		f.Add(s, "fail")
	}
	f.Fuzz(func(t *testing.T, id, summary string) {
		var seen map[string]string
		r := chi.NewRouter()
		r.With(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}.checkPathParams).Get("/c/{id}/s/{summary}",
			func(w http.ResponseWriter, r *http.Request) {
				seen = map[string]string{"id": chi.URLParam(r, "id"), "summary": chi.URLParam(r, "summary")}
			})
		req, err := http.NewRequest("GET", "/c/"+id+"/s/"+summary, nil)
		if err != nil {
			return // not a request line a server would take
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code == http.StatusBadRequest {
			var e errorObject
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Type != "validation_error" || len(e.Fields) == 0 ||
				(e.Fields[0].Name != "id" && e.Fields[0].Name != "summary") {
				t.Fatalf("%q %q: 400 with %s, want a validation error naming the parameter", id, summary, rec.Body)
			}
			return
		}
		for name, v := range seen {
			if err := domain.CheckText(name, v, maxPathParam, false); err != nil {
				t.Fatalf("%q %q: the handler got %s %q: %v", id, summary, name, v, err)
			}
		}
	})
}
