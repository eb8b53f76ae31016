package http

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/updateservice/updateservice/domain"
)

// accountKey and roleKey key the request's account and its key's role in
// its context.
type (
	accountKey struct{}
	roleKey    struct{}
)

// apiKey is an API key with what it grants, kept as the key's SHA-256 so
// that every comparison takes the same time whatever the key's length.
type apiKey struct {
	digest [sha256.Size]byte
	grant  Grant
}

// newAPIKeys digests the keys NewHandler is given.
func newAPIKeys(keys map[string]Grant) []apiKey {
	out := make([]apiKey, 0, len(keys))
	for key, grant := range keys {
		if grant.Role == "" {
			grant.Role = RoleAdmin
		}
		out = append(out, apiKey{digest: sha256.Sum256([]byte(key)), grant: grant})
	}
	return out
}

// authenticate lets through requests whose Authorization header carries a
// known API key as a bearer token, with the key's account and role in
// their context; it answers every other request 401. Every handler behind
// it acts in that account only. The token is compared with every key in
// constant time, without stopping at a match, so that the answer's time
// tells nothing of how much of a key a guess got right.
//
// Behind a trusted gateway (Deps.TrustedGateway) a Campaigner request that
// carries x-ats-namespace acts in that account, as an operator, instead.
func (d Deps) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ns := r.Header.Get(headerNamespace); d.TrustedGateway && ns != "" && isCampaigner(r) {
			if err := domain.AccountID(ns).Validate(); err != nil {
				writeError(w, r, d.Log, err)
				return
			}
			ctx := context.WithValue(r.Context(), accountKey{}, domain.AccountID(ns))
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, roleKey{}, RoleOperator)))
			return
		}
		scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		digest := sha256.Sum256([]byte(strings.TrimSpace(key)))
		var grant Grant
		for _, k := range d.apiKeys {
			if subtle.ConstantTimeCompare(digest[:], k.digest[:]) == 1 {
				grant = k.grant
			}
		}
		if !strings.EqualFold(scheme, "Bearer") || grant.Account == "" {
			writeError(w, r, d.Log, errUnauthorized)
			return
		}
		ctx := context.WithValue(r.Context(), accountKey{}, grant.Account)
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, roleKey{}, grant.Role)))
	})
}

// headerNamespace names the account of a request that a trusted gateway
// authenticated (Campaigner's namespace).
const headerNamespace = "x-ats-namespace"

// errUnauthorizedConnector answers a notification without a known webhook
// secret.
var errUnauthorizedConnector = statusError{http.StatusUnauthorized, "unauthorized",
	"missing or unknown webhook secret: the device connector sends Authorization: Bearer <the account's webhook secret>; API keys are not taken here"}

// webhookSecret is an account's webhook secret, kept as its SHA-256 so that
// every comparison takes the same time whatever the secret's length.
type webhookSecret struct {
	digest  [sha256.Size]byte
	account domain.AccountID
}

// newWebhookSecrets digests the secrets NewHandler is given.
func newWebhookSecrets(secrets map[string]domain.AccountID) []webhookSecret {
	out := make([]webhookSecret, 0, len(secrets))
	for secret, account := range secrets {
		out = append(out, webhookSecret{digest: sha256.Sum256([]byte(secret)), account: account})
	}
	return out
}

// authenticateConnector lets through notifications whose Authorization
// header carries an account's webhook secret as a bearer token, with that
// account in their context, and answers every other request 401: a
// tenant's API key is no webhook secret, so holding one never lets a
// client report for devices. The token is compared with every secret in
// constant time, without stopping at a match, so that the answer's time
// tells nothing of how much of a secret a guess got right.
func (d Deps) authenticateConnector(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		digest := sha256.Sum256([]byte(strings.TrimSpace(token)))
		var account domain.AccountID
		for _, s := range d.webhookSecrets {
			if subtle.ConstantTimeCompare(digest[:], s.digest[:]) == 1 {
				account = s.account
			}
		}
		if !strings.EqualFold(scheme, "Bearer") || account == "" {
			writeError(w, r, d.Log, errUnauthorizedConnector)
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

// roleOf returns the role authenticate put in the context.
func roleOf(ctx context.Context) Role {
	r, _ := ctx.Value(roleKey{}).(Role)
	return r
}
