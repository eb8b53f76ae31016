package http

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/domain"
)

// maxPathParam bounds a path parameter, in characters: every id is at
// most 128 bytes, and statistics names are shorter.
const maxPathParam = 128

// checkPathParams answers 400 naming the parameter when a path parameter
// (a campaign, device, manifest or metadata id, a statistics summary or
// event type) breaks the text rules. Such a value names nothing, and
// PostgreSQL refuses a NUL or invalid UTF-8 in a query parameter with an
// error that would answer 500. It runs after routing (in a route group),
// when the route's parameters are known.
func (d Deps) checkPathParams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rctx := chi.RouteContext(r.Context()); rctx != nil {
			var problems []error
			for i, name := range rctx.URLParams.Keys {
				problems = append(problems, domain.CheckText(name, rctx.URLParams.Values[i], maxPathParam, false))
			}
			if err := errors.Join(problems...); err != nil {
				writeError(w, r, d.Log, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
