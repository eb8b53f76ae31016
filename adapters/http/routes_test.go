package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
)

func TestReadinessReportsEveryFailingCheck(t *testing.T) {
	h := httpapi.NewHandler(httpapi.Deps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready: map[string]httpapi.ReadinessCheck{
			"database":    func(context.Context) error { return nil },
			"projections": func(context.Context) error { return errors.New("stopped at 42") },
		},
	})
	rec, req := httptest.NewRecorder(), httptest.NewRequest("GET", "/readyz", nil)
	h.ServeHTTP(rec, req)
	apitest.CheckAnswer(t, req, rec)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", rec.Code)
	}
	var body struct{ Checks map[string]string }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Checks["database"] != "ok" || body.Checks["projections"] != "stopped at 42" {
		t.Errorf("checks = %v", body.Checks)
	}
}

func TestReadinessShowsDegradedWithoutFailing(t *testing.T) {
	h := httpapi.NewHandler(httpapi.Deps{
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready:    map[string]httpapi.ReadinessCheck{"database": func(context.Context) error { return nil }},
		Degraded: map[string]httpapi.ReadinessCheck{"quarantine": func(context.Context) error { return errors.New("1 event quarantined") }},
	})
	rec, req := httptest.NewRecorder(), httptest.NewRequest("GET", "/readyz", nil)
	h.ServeHTTP(rec, req)
	apitest.CheckAnswer(t, req, rec)
	var body struct {
		Status string
		Checks map[string]string
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || body.Status != "degraded" || body.Checks["quarantine"] != "1 event quarantined" {
		t.Errorf("status %d body %+v, want 200, degraded, the quarantine's reason", rec.Code, body)
	}
}

func TestUnknownRouteAnswersAPelionErrorObject(t *testing.T) {
	h := httpapi.NewHandler(httpapi.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v3/nothing", nil))
	var body struct {
		Object string `json:"object"`
		Code   int    `json:"code"`
		Type   string `json:"type"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if rec.Code != 404 || body.Object != "error" || body.Code != 404 || body.Type != "not_found" {
		t.Errorf("status %d body %+v", rec.Code, body)
	}
}
