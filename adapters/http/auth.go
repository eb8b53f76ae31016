package http

import (
	"context"
	"net/http"
	"strings"

	"github.com/updateservice/updateservice/domain"
)

// accountKey keys the request's account in its context.
type accountKey struct{}

// authenticate lets through requests whose Authorization header carries a
// known API key as a bearer token, with the key's account in their
// context; it answers every other request 401. Every handler behind it
// acts in that account only.
func (d Deps) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		account, ok := d.APIKeys[strings.TrimSpace(key)]
		if !strings.EqualFold(scheme, "Bearer") || !ok {
			writeError(w, r, d.Log, errUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), accountKey{}, account)))
	})
}

// accountOf returns the account authenticate put in the context.
func accountOf(ctx context.Context) domain.AccountID {
	a, _ := ctx.Value(accountKey{}).(domain.AccountID)
	return a
}
