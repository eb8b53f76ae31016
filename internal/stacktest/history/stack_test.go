// Package history_test runs the audit API (histories and as_of) on the
// whole read side: the HTTP adapter, the commands, the projection runner
// and the read models in Postgres, on each event store.
package history_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/adapters/eventstoredb"
	"github.com/updateservice/updateservice/adapters/eventstoredb/esdbtest"
	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/internal/wiring"
	"github.com/updateservice/updateservice/projections"
)

// The two accounts and their API keys.
const (
	acme, acmeKey     = domain.AccountID("acme"), "acme-key"
	globex, globexKey = domain.AccountID("globex"), "globex-key"
)

// stack is the service's read side and API on one event store.
type stack struct {
	t      *testing.T
	h      http.Handler
	store  eventstore.Store
	runner *projections.Runner
}

// eventStores names each event store the tests run on.
var eventStores = map[string]func(t *testing.T, pool *pgxpool.Pool) eventstore.Store{
	"postgres": func(t *testing.T, pool *pgxpool.Pool) eventstore.Store {
		store := postgres.NewEventStore(pool)
		t.Cleanup(store.Close)
		return store
	},
	"eventstoredb": func(t *testing.T, _ *pgxpool.Pool) eventstore.Store {
		srv, err := esdbtest.Start("127.0.0.1:0", esdbtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		store, err := eventstoredb.New(eventstoredb.Config{URL: srv.URL()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = store.Close() })
		return store
	},
}

func newStack(t *testing.T, eventStore string) *stack {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := errors.Join(postgres.Migrate(ctx, pool), projections.Migrate(ctx, pool)); err != nil {
		t.Fatal(err)
	}
	store := eventStores[eventStore](t, pool)
	runner := projections.NewRunner(pool, store, projections.Config{})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runner.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("projection runner: %v", err)
		}
	})
	deps := wiring.HTTPPorts(commands.New(store, time.Now), projections.NewQueries(pool), projections.NewHistory(pool, store))
	deps.WaitFor = runner.WaitFor
	deps.APIKeys = map[string]httpapi.Grant{acmeKey: {Account: acme}, globexKey: {Account: globex}}
	deps.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	h := httpapi.NewHandler(deps)
	return &stack{t: t, h: h, store: store, runner: runner}
}

// call sends a request with the key and a JSON body (none if nil).
func (s *stack) call(method, path, key string, body any) *httptest.ResponseRecorder {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

// get sends a GET as acme, checks the status and decodes the answer.
func (s *stack) get(path string, status int) map[string]any {
	s.t.Helper()
	return s.must(status, "GET", path, nil)
}

// must sends a request as acme, checks the status and decodes the answer.
func (s *stack) must(status int, method, path string, body any) map[string]any {
	s.t.Helper()
	rec := s.call(method, path, acmeKey, body)
	if rec.Code != status {
		s.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, rec.Code, status, rec.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		s.t.Fatalf("%s %s: body %q: %v", method, path, rec.Body, err)
	}
	return out
}

// engine appends events to a stream as the campaign engine and the device
// side would (for acme), and waits until the read models show them.
func (s *stack) engine(stream string, events ...domain.Event) {
	s.t.Helper()
	data := make([]eventstore.EventData, len(events))
	for i, e := range events {
		name, body, err := domain.EncodeEvent(e)
		if err != nil {
			s.t.Fatal(err)
		}
		data[i] = eventstore.EventData{ID: uuid.New(), Type: name, Data: body,
			Metadata: eventstore.Metadata{AccountID: string(acme), CorrelationID: "engine-" + uuid.NewString()}}
	}
	res, err := s.store.Append(context.Background(), stream, eventstore.Any, data...)
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.runner.WaitFor(ctx, res.Position); err != nil {
		s.t.Fatal(err)
	}
}
