package http

import (
	"cmp"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/httprate"
)

// RateLimit caps the requests of each account, so that one integrator's
// loop cannot take the service from the others.
type RateLimit struct {
	// Requests is how many requests an account may send per Window; zero
	// or less: no limit.
	Requests int
	// Window is the span requests are counted over, sliding; zero: one
	// second.
	Window time.Duration
}

// rateLimited returns a middleware that answers an account's requests
// over its limit 429, with Retry-After (seconds) and the error object;
// the X-RateLimit-* headers tell every answer how much is left. It must
// come after authenticate, as it counts per account. Counts are kept per
// process: behind a balancer, each replica allows the limit.
func (d Deps) rateLimited() func(http.Handler) http.Handler {
	if d.RateLimit.Requests <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	window := cmp.Or(d.RateLimit.Window, time.Second)
	tooMany := statusError{http.StatusTooManyRequests, "too_many_requests", fmt.Sprintf(
		"this account sent more than %d requests in %s: retry after the seconds in Retry-After", d.RateLimit.Requests, window)}
	return httprate.NewRateLimiter(d.RateLimit.Requests, window,
		httprate.WithKeyFuncs(func(r *http.Request) (string, error) { return string(accountOf(r.Context())), nil }),
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) { writeError(w, r, d.Log, tooMany) }),
	).Handler
}
