package http

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// Request headers the API reads besides Authorization.
const (
	// headerIdempotencyKey makes a retried write take effect once: the
	// command id, and the id of an object it creates, derive from it.
	headerIdempotencyKey = "Idempotency-Key"
	// headerCorrelationID ties the request's events to the caller's trace.
	headerCorrelationID = "X-Correlation-ID"
)

// commandMeta is the Meta of the command a request sends: its account, a
// command id from the Idempotency-Key header (scoped to the account) or
// the request id, and a correlation id from X-Correlation-ID or the
// request id.
func commandMeta(r *http.Request) commands.Meta {
	ctx := r.Context()
	requestID := middleware.GetReqID(ctx)
	// The request id is new unless the caller sent one (chi takes
	// X-Request-Id as it is), and may then send it again.
	first := r.Header.Get(middleware.RequestIDHeader) == ""
	m := commands.Meta{Account: accountOf(ctx), CommandID: requestID, CorrelationID: r.Header.Get(headerCorrelationID), FirstDelivery: first}
	if key := strings.TrimSpace(r.Header.Get(headerIdempotencyKey)); key != "" {
		m.CommandID, m.FirstDelivery = "idempotency:"+string(m.Account)+":"+key, false
	}
	if m.CorrelationID == "" {
		m.CorrelationID = requestID
	}
	return m
}

// idNamespace seeds the ids derived from idempotency keys. Changing it
// makes a retry after the change create a second object.
var idNamespace = uuid.MustParse("9a0c5a2e-4a57-4f4e-8d0a-6c1f3b7e2d45")

// newID returns the id of an object a request creates: 32 hex digits, like
// Pelion's. With an Idempotency-Key the id derives from it, so a retried
// create addresses the same object and records nothing twice.
func newID(r *http.Request, kind string) string {
	id := uuid.New()
	if key := strings.TrimSpace(r.Header.Get(headerIdempotencyKey)); key != "" {
		id = uuid.NewSHA1(idNamespace, []byte(string(accountOf(r.Context()))+"\x00"+kind+"\x00"+key))
	}
	return strings.ReplaceAll(id.String(), "-", "")
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
