// Package http is the service's HTTP API: Pelion Update v3 and Campaigner v2
// compatible routes, health and readiness. NewHandler returns the whole API;
// routes.go lists every route.
package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// ReadinessCheck reports whether a dependency is ready to serve: nil or
// the reason it is not.
type ReadinessCheck func(ctx context.Context) error

// Deps are what the handlers need from the rest of the service.
type Deps struct {
	// Campaigns handles the campaign writes: the command handlers in the
	// service, as for every write below.
	Campaigns CampaignCommands
	// CampaignReads reads the campaigns: the read models' queries in the
	// service, as for every read below.
	CampaignReads CampaignReads
	// Previews computes dry runs of draft campaigns' starts.
	Previews CampaignPreviews
	// Statistics reads a campaign's counters and statistics.
	Statistics StatisticsReads
	// Metadata reads a campaign's per-device records.
	Metadata MetadataReads
	// Updates handles Campaigner's update writes.
	Updates UpdateCommands
	// UpdateReads reads Campaigner's updates.
	UpdateReads UpdateReads
	// CampaignerReads reads the campaigns as Campaigner lists and counts
	// them, and the devices of a campaign's groups.
	CampaignerReads CampaignerReads
	// Registry, when set, is Campaigner's Device Registry: a create asks
	// it whether the campaign's groups hold devices, and the
	// failed-installations CSV shows its own device ids. Nil: the
	// catalog's groups and our device ids (DEVICE_REGISTRY_HOST unset).
	Registry DeviceRegistry
	// TrustedGateway says the service sits behind a gateway that
	// authenticates callers and names their account in x-ats-namespace,
	// as Campaigner's did: /api/v2 requests with that header then act in
	// that account without an API key. Never set it on a service callers
	// reach directly: anyone could name any account.
	TrustedGateway bool
	// Devices handles the catalog's writes.
	Devices DeviceCommands
	// DeviceReads reads the catalog.
	DeviceReads DeviceReads
	// Manifests handles the manifest writes.
	Manifests ManifestCommands
	// ManifestReads reads the manifests.
	ManifestReads ManifestReads
	// FirmwareImages handles the image writes and reads the account's
	// firmware limits.
	FirmwareImages FirmwareImageCommands
	// FirmwareImageReads reads the images.
	FirmwareImageReads FirmwareImageReads
	// UploadJobs handles the upload job writes.
	UploadJobs UploadJobCommands
	// UploadJobReads reads the upload jobs and their chunks.
	UploadJobReads UploadJobReads
	// Webhooks handles the outgoing webhooks' writes.
	Webhooks WebhookCommands
	// WebhookReads reads the outgoing webhooks and their deliveries.
	WebhookReads WebhookReads
	// Blobs keeps the images' content. Nil: the image routes are not
	// served.
	Blobs Blobs
	// MaxImageBytes is the largest image the service takes, whatever an
	// account's limit; zero: only the account's limit.
	MaxImageBytes int64
	// Connector handles the devices' registrations and deregistrations
	// that the connector webhook receives.
	Connector DeviceSide
	// WaitFor blocks until the read models reflect the events up to a
	// position (the projection runner's WaitFor), so that a caller reads
	// what it wrote: a write whose answer comes from the read models
	// waits for its own events; a write that answers from its events
	// alone (devices, deletes) does not, and the account's next read
	// waits instead. Nil: nothing waits.
	WaitFor func(ctx context.Context, pos eventstore.Position) error
	// APIKeys maps each API key to its account and role; a request must
	// carry one as Authorization: Bearer <key>. A grant without a role is
	// admin.
	APIKeys map[string]Grant
	// WebhookSecrets maps each account's webhook secret to the account:
	// the device connector's notification channel takes these as Bearer
	// tokens, never API keys, and records reports of that account only.
	WebhookSecrets map[string]domain.AccountID
	// Reports records the connector webhook's device reports: the queues
	// in front of the command handlers (bus.ReportPublisher) in the
	// service, or the command handlers themselves.
	Reports DeviceReports
	// Ready lists named readiness checks (database, projector, ...): one
	// failing makes /readyz answer 503.
	Ready map[string]ReadinessCheck
	// Degraded lists checks of what the service serves without (events in
	// quarantine): one failing leaves /readyz at 200, with status
	// "degraded" and the check's reason.
	Degraded map[string]ReadinessCheck
	// IdempotencyKeys keeps the answers of writes sent with an
	// Idempotency-Key, for their retries (postgres.IdempotencyKeys in the
	// service). Nil: a retry runs again, and only the ids the commands
	// derive from the key keep it from recording twice.
	IdempotencyKeys IdempotencyKeys
	// History reads campaigns' and devices' event histories and campaigns
	// as of an instant (projections.History in the service). Nil: those
	// routes and the as_of parameter are not served.
	History HistoryReads
	// RateLimit caps each account's requests; zero: no limit.
	RateLimit RateLimit
	// Progress paces the campaign progress streams; zero: the defaults.
	Progress ProgressStreams
	// Log receives request errors.
	Log *slog.Logger

	// writes is set by NewHandler: the accounts' writes not yet read.
	writes *accountWrites
	// apiKeys is set by NewHandler from APIKeys.
	apiKeys []apiKey
	// webhookSecrets is set by NewHandler from WebhookSecrets.
	webhookSecrets []webhookSecret
	// streams is set by NewHandler: the progress streams open.
	streams *openStreams
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

// statusError is an error the HTTP layer itself answers with, outside the
// domain's kinds: a missing API key, a body over the limit.
type statusError struct {
	code int
	typ  string
	msg  string
}

func (e statusError) Error() string { return e.msg }

// errUnauthorized answers a request without a known API key.
var errUnauthorized = statusError{http.StatusUnauthorized, "unauthorized",
	"missing or unknown API key: send Authorization: Bearer <api key>"}

// maxFieldErrors bounds the invalid fields an error object lists: a body of
// thousands of bad items answers with the first ones and a count, not an
// echo of the whole body.
const maxFieldErrors = 100

// maxBodyItems bounds the items of one bulk import or notification body.
const maxBodyItems = 10_000

// tooManyItems answers a body with more than maxBodyItems items.
func tooManyItems(n int) error {
	return statusError{http.StatusRequestEntityTooLarge, "request_entity_too_large",
		fmt.Sprintf("the body holds %d items; at most %d are taken per request", n, maxBodyItems)}
}

// writeError answers with Pelion's error object for err. Internal errors
// are logged and their text is not shown to the caller; a domain error
// shows its own message without the operations that wrapped it, and every
// invalid field it joins is listed in fields.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	body := errorObject{Object: "error", RequestID: middleware.GetReqID(r.Context())}
	errorID := uuid.NewString() // Campaigner's errorId, logged with an internal error
	var se statusError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &se):
		body.Code, body.Type, body.Message = se.code, se.typ, se.msg
	case errors.As(err, &tooLarge):
		body.Code, body.Type = http.StatusRequestEntityTooLarge, "request_entity_too_large"
		body.Message = "the request body is larger than the limit of this route"
	default:
		kind := domain.KindOf(err)
		body.Code, body.Type, body.Message = statusOf[kind].code, statusOf[kind].typ, domainMessage(err)
		var reasons []string
		invalid := invalidErrors(err)
		for _, ie := range invalid[:min(len(invalid), maxFieldErrors)] {
			body.Fields = append(body.Fields, fieldError{Name: ie.Field, Message: ie.Reason})
			reasons = append(reasons, ie.Error())
		}
		if more := len(invalid) - maxFieldErrors; more > 0 {
			reasons = append(reasons, fmt.Sprintf("and %d more problems", more))
		}
		if len(reasons) > 0 {
			body.Message = strings.Join(reasons, "; ")
		}
		if kind == domain.KindInternal {
			log.Error("request failed", "method", r.Method, "path", r.URL.Path, "request_id", body.RequestID, "error_id", errorID, "error", err)
			body.Message = "internal error; the request id is in the service log"
		}
	}
	if isCampaigner(r) {
		writeJSON(w, body.Code, campaignerError(body, errorID))
		return
	}
	body.Type = pelionType(body.Code)
	writeJSON(w, body.Code, body)
}

// pelionTypes are the error types Pelion's clients know, by status. The
// finer types of the table above and of statusError stay Campaigner's
// codes on /api/v2; on /v3 a client sees only these six.
var pelionTypes = map[int]string{
	http.StatusBadRequest:   "validation_error",
	http.StatusUnauthorized: "unauthorized",
	http.StatusForbidden:    "forbidden",
	http.StatusNotFound:     "not_found",
	http.StatusConflict:     "conflict",
	// A rate limit is a limit of the account, as account limits are.
	http.StatusTooManyRequests: "forbidden",
}

// pelionType is the Pelion error type of a status: the table's, else a
// server error is internal_error and any other refusal (405, 413, 422)
// is validation_error — the request as sent cannot be taken.
func pelionType(status int) string {
	if t, ok := pelionTypes[status]; ok {
		return t
	}
	if status >= http.StatusInternalServerError {
		return "internal_error"
	}
	return "validation_error"
}

// domainMessage is the message of the first error in err's chain that has
// a kind: the domain's own words, without the operation prefixes.
func domainMessage(err error) string {
	var kinded interface {
		error
		Kind() domain.Kind
	}
	if errors.As(err, &kinded) {
		return kinded.Error()
	}
	return err.Error()
}

// invalidErrors collects every InvalidError in err's tree: a command
// reports all problems of its input at once, joined.
func invalidErrors(err error) []domain.InvalidError {
	var out []domain.InvalidError
	var walk func(error)
	walk = func(e error) {
		if ie, ok := e.(domain.InvalidError); ok {
			out = append(out, ie)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			if x := u.Unwrap(); x != nil {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // messages quote <api key> and filters with &
	_ = enc.Encode(v)
}
