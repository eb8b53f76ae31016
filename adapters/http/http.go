// Package http is the service's HTTP API: Pelion Update v3 and Campaigner v2
// compatible routes, health and readiness. NewHandler returns the whole API;
// routes.go lists every route.
package http

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/updateservice/updateservice/domain"
)

// ReadinessCheck reports whether a dependency is ready to serve: nil or
// the reason it is not.
type ReadinessCheck func(ctx context.Context) error

// Deps are what the handlers need from the rest of the service.
type Deps struct {
	// Ready lists named readiness checks (database, projector, ...).
	Ready map[string]ReadinessCheck
	// Log receives request errors.
	Log *slog.Logger
}

// errorObject is Pelion's error object.
type errorObject struct {
	Object    string       `json:"object"`
	Code      int          `json:"code"`
	Type      string       `json:"type"`
	Message   string       `json:"message"`
	Fields    []fieldError `json:"fields,omitempty"`
	RequestID string       `json:"request_id"`
}

type fieldError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// statusOf is the one table that maps error kinds to HTTP statuses.
var statusOf = map[domain.Kind]struct {
	code int
	typ  string
}{
	domain.KindInvalid:   {http.StatusBadRequest, "validation_error"},
	domain.KindNotFound:  {http.StatusNotFound, "not_found"},
	domain.KindConflict:  {http.StatusConflict, "conflict"},
	domain.KindForbidden: {http.StatusForbidden, "account_limit_exceeded"},
	domain.KindInternal:  {http.StatusInternalServerError, "internal_server_error"},
}

// writeError answers with Pelion's error object for err. Internal errors
// are logged and their text is not shown to the caller.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	kind := domain.KindOf(err)
	s := statusOf[kind]
	body := errorObject{Object: "error", Code: s.code, Type: s.typ, Message: err.Error(), RequestID: middleware.GetReqID(r.Context())}
	var invalid domain.InvalidError
	if asInvalid(err, &invalid) && invalid.Field != "" {
		body.Fields = []fieldError{{Name: invalid.Field, Message: invalid.Reason}}
	}
	if kind == domain.KindInternal {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "request_id", body.RequestID, "error", err)
		body.Message = "internal error; the request id is in the service log"
	}
	writeJSON(w, s.code, body)
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
