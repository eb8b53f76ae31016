package http

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/updateservice/updateservice/domain"
)

// NewHandler returns the service's whole HTTP API.
func NewHandler(d Deps) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.Recoverer, middleware.Timeout(30*time.Second))
	r.Get("/healthz", health)
	r.Get("/readyz", d.ready)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, d.Log, domain.NotFoundError{Object: "route", ID: r.Method + " " + r.URL.Path})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusMethodNotAllowed, errorObject{Object: "error", Code: http.StatusMethodNotAllowed,
			Type: "method_not_allowed", Message: r.Method + " is not allowed on " + r.URL.Path, RequestID: middleware.GetReqID(r.Context())})
	})
	return r
}

// health answers 200 while the process serves requests.
func health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// ready answers 200 when every readiness check passes, else 503 with the
// failing checks' reasons.
func (d Deps) ready(w http.ResponseWriter, r *http.Request) {
	status, checks := http.StatusOK, map[string]string{}
	for name, check := range d.Ready {
		if err := check(r.Context()); err != nil {
			status, checks[name] = http.StatusServiceUnavailable, err.Error()
			continue
		}
		checks[name] = "ok"
	}
	writeJSON(w, status, map[string]any{"status": http.StatusText(status), "checks": checks})
}

func asInvalid(err error, target *domain.InvalidError) bool { return errors.As(err, target) }
