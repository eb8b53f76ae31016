package http

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// Request headers the API reads besides Authorization.
const (
	// headerIdempotencyKey makes a retried write take effect once: its
	// answer is replayed (see idempotent), and the command id, and the id
	// of an object it creates, derive from it.
	headerIdempotencyKey = "Idempotency-Key"
	// headerCorrelationID ties the request's events to the caller's trace.
	headerCorrelationID = "X-Correlation-ID"
)

// commandMeta is the Meta of the command a request sends: its account; a
// command id derived from the Idempotency-Key (scoped to the account and
// the request's fingerprint), else a new random one; a correlation id from
// X-Correlation-ID or the request id. The request id (X-Request-Id when
// the caller sends one) only traces: as a command id, a caller sending one
// twice would make the second write a no-op.
func commandMeta(r *http.Request) commands.Meta {
	ctx := r.Context()
	m := commands.Meta{Account: accountOf(ctx), CommandID: uuid.NewString(), CorrelationID: r.Header.Get(headerCorrelationID), FirstDelivery: true}
	if idem, ok := idempotencyOf(ctx); ok {
		m.CommandID, m.FirstDelivery = "idempotency:"+idem.derive(m.Account, "command"), false
	}
	if m.CorrelationID == "" {
		m.CorrelationID = middleware.GetReqID(ctx)
	}
	return m
}

// idNamespace seeds the ids derived from idempotency keys. Changing it
// makes a retry after the change, of a request whose answer was not
// stored, create a second object.
var idNamespace = uuid.MustParse("9a0c5a2e-4a57-4f4e-8d0a-6c1f3b7e2d45")

// derive returns an id of kind for the request with this key: the same for
// its retries, another for another account, request, or kind. With the
// fingerprint in it, a key used again after it expired for another
// request addresses other objects than its first request did.
func (i idempotency) derive(account domain.AccountID, kind string) string {
	id := uuid.NewSHA1(idNamespace, []byte(string(account)+"\x00"+kind+"\x00"+i.key+"\x00"+i.fp.String()))
	return strings.ReplaceAll(id.String(), "-", "")
}

// newID returns the id of an object a request creates: 32 hex digits, like
// Pelion's. With an Idempotency-Key the id derives from it, so a retried
// create addresses the same object and records nothing twice, even when
// the first answer was not stored.
func newID(r *http.Request, kind string) string {
	if idem, ok := idempotencyOf(r.Context()); ok {
		return idem.derive(accountOf(r.Context()), kind)
	}
	return strings.ReplaceAll(uuid.NewString(), "-", "")
}

// settle waits until the read models reflect a command's events, so that
// the response, and the caller's next read, show the write.
func (d Deps) settle(ctx context.Context, pos eventstore.Position) error {
	if d.WaitFor == nil || pos == (eventstore.Position{}) {
		return nil
	}
	return d.WaitFor(ctx, pos)
}

// answerNoContent answers a command that returns nothing: its error, or
// 204 once its events are stored; the account's next read waits for the
// read models to reflect them.
func (d Deps) answerNoContent(w http.ResponseWriter, r *http.Request, res commands.Result, err error) {
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	d.writes.wrote(accountOf(r.Context()), res.Position)
	w.WriteHeader(http.StatusNoContent)
}
