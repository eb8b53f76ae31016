package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// The API keys of the tests: acme's objects are what globex must not see.
const (
	acmeKey   = "key-of-acme"
	globexKey = "key-of-globex"
)

// api is the real handler on a fresh database, with the command handlers
// and the projection runner running, as the service wires them.
type api struct {
	t     *testing.T
	h     http.Handler
	store *postgres.EventStore
	wait  func(context.Context, eventstore.Position) error
	// resume starts the projection runner (once).
	resume func()
}

func newAPI(t *testing.T, options ...func(*httpapi.Deps)) *api {
	t.Helper()
	a := newPausedAPI(t, options...)
	a.resume()
	return a
}

// newPausedAPI is newAPI with the projection runner not yet running: the
// read models stay behind every write until resume. Options change the
// handler's dependencies before it is made.
func newPausedAPI(t *testing.T, options ...func(*httpapi.Deps)) *api {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := projections.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewEventStore(pool)
	t.Cleanup(store.Close)
	runner := projections.NewRunner(pool, store, projections.Config{})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	resume := sync.OnceFunc(func() {
		go func() { done <- runner.Run(runCtx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("projection runner: %v", err)
			}
		})
	})
	t.Cleanup(cancel)
	deps := httpapi.Deps{
		Commands: commands.New(store, time.Now),
		Queries:  projections.NewQueries(pool),
		WaitFor:  runner.WaitFor,
		APIKeys:  map[string]httpapi.Grant{acmeKey: {Account: "acme"}, globexKey: {Account: "globex"}},
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),

		IdempotencyKeys: postgres.NewIdempotencyKeys(pool, time.Now),
	}
	for _, o := range options {
		o(&deps)
	}
	h := httpapi.NewHandler(deps)
	return &api{t: t, h: h, store: store, wait: runner.WaitFor, resume: resume}
}

// call sends a request with key (none if empty) and a JSON body (none if
// nil; raw bytes as they are), and headers as name, value pairs.
func (a *api) call(method, path, key string, body any, headers ...string) *httptest.ResponseRecorder {
	a.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return rec
}

// must sends a request as acme and fails the test unless it answers status.
func (a *api) must(status int, method, path string, body any, headers ...string) *httptest.ResponseRecorder {
	a.t.Helper()
	rec := a.call(method, path, acmeKey, body, headers...)
	if rec.Code != status {
		a.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, rec.Code, status, rec.Body)
	}
	return rec
}

// object decodes a JSON object answer.
func object(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	return m
}

// apiError is Pelion's error object.
type apiError struct {
	Object    string `json:"object"`
	Code      int    `json:"code"`
	Type      string `json:"type"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	Fields    []struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"fields"`
}

// errorOf checks that rec is an error object of status and returns it.
func errorOf(t *testing.T, rec *httptest.ResponseRecorder, status int) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if rec.Code != status || e.Object != "error" || e.Code != status || e.Type == "" || e.Message == "" || e.RequestID == "" {
		t.Errorf("status %d, error object %+v; want an error object of %d", rec.Code, e, status)
	}
	return e
}

// fieldNames lists the names of an error's fields.
func (e apiError) fieldNames() []string {
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Name)
	}
	return out
}

// page is Pelion's list object.
type page struct {
	Object     string           `json:"object"`
	Data       []map[string]any `json:"data"`
	HasMore    bool             `json:"has_more"`
	TotalCount *int64           `json:"total_count"`
	After      *string          `json:"after"`
	Limit      int              `json:"limit"`
	Order      string           `json:"order"`
}

func pageOf(t *testing.T, rec *httptest.ResponseRecorder) page {
	t.Helper()
	var p page
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Object != "list" {
		t.Fatalf("body %q is not a list: %v", rec.Body, err)
	}
	return p
}

// ids lists the field of every item of a page.
func (p page) ids(field string) []string {
	out := make([]string, len(p.Data))
	for i, d := range p.Data {
		out[i], _ = d[field].(string)
	}
	return out
}

// manifest registers a manifest for acme and returns its id.
func (a *api) manifest(class string) string {
	a.t.Helper()
	rec := a.must(http.StatusCreated, "POST", "/v3/firmware-manifests", map[string]any{
		"name": "firmware 2", "device_class": class, "delivered_payload_url": "https://fw.example/2.bin",
		"delivered_payload_digest": "digest-2", "delivered_payload_size": 2048, "datafile": "https://fw.example/2.manifest",
		"timestamp": "20250301T080000Z",
	})
	return object(a.t, rec)["id"].(string)
}

// campaign creates a campaign for acme and returns it.
func (a *api) campaign(name, manifest string) map[string]any {
	a.t.Helper()
	return object(a.t, a.must(http.StatusCreated, "POST", "/v3/update-campaigns", map[string]any{
		"name": name, "root_manifest_id": manifest, "device_filter": "state__eq=registered",
	}))
}

// engine appends device events as the campaign engine and the device side
// would, and waits for the read models to show them.
func (a *api) engine(account domain.AccountID, device domain.DeviceID, events ...domain.Event) {
	a.t.Helper()
	data := make([]eventstore.EventData, len(events))
	for i, e := range events {
		name, body, err := domain.EncodeEvent(e)
		if err != nil {
			a.t.Fatal(err)
		}
		data[i] = eventstore.EventData{ID: uuid.New(), Type: name, Data: body, Metadata: eventstore.Metadata{AccountID: string(account)}}
	}
	res, err := a.store.Append(context.Background(), domain.DeviceStream(account, device), eventstore.Any, data...)
	if err != nil {
		a.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.wait(ctx, res.Position); err != nil {
		a.t.Fatal(err)
	}
}
