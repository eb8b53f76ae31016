package api_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/internal/wiring"
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
	apitest.Client
	t     *testing.T
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
	cmds, queries := commands.New(store, time.Now), projections.NewQueries(pool)
	deps := wiring.HTTPPorts(cmds, queries, projections.NewHistory(pool, store))
	deps.WaitFor = runner.WaitFor
	deps.APIKeys = map[string]httpapi.Grant{acmeKey: {Account: "acme"}, globexKey: {Account: "globex"}}
	deps.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	deps.IdempotencyKeys = postgres.NewIdempotencyKeys(pool, time.Now)
	for _, o := range options {
		o(&deps)
	}
	h := httpapi.NewHandler(deps)
	return &api{Client: apitest.Client{T: t, Handler: h, Key: acmeKey}, t: t, store: store, wait: runner.WaitFor, resume: resume}
}

// manifest registers a manifest for acme and returns its id.
func (a *api) manifest(class string) string {
	a.t.Helper()
	rec := a.Must(http.StatusCreated, "POST", "/v3/firmware-manifests", map[string]any{
		"name": "firmware 2", "device_class": class, "delivered_payload_url": "https://fw.example/2.bin",
		"delivered_payload_digest": "digest-2", "delivered_payload_size": 2048, "datafile": "https://fw.example/2.manifest",
		"timestamp": "20250301T080000Z",
	})
	return apitest.Object(a.t, rec)["id"].(string)
}

// campaign creates a campaign for acme and returns it.
func (a *api) campaign(name, manifest string) map[string]any {
	a.t.Helper()
	return apitest.Object(a.t, a.Must(http.StatusCreated, "POST", "/v3/update-campaigns", map[string]any{
		"name": name, "root_manifest_id": manifest, "device_filter": "state__eq=registered",
	}))
}

// engine appends device events as the campaign engine and the device side
// would, and waits for the read models to show them.
func (a *api) engine(account domain.AccountID, device domain.DeviceID, events ...domain.Event) {
	a.t.Helper()
	a.appendEvents(account, domain.DeviceStream(account, device), events...)
}

// appendEvents appends events of account to stream, as the history already
// there, and waits for the read models to show them.
func (a *api) appendEvents(account domain.AccountID, stream string, events ...domain.Event) {
	a.t.Helper()
	data := make([]eventstore.EventData, len(events))
	for i, e := range events {
		name, body, err := domain.EncodeEvent(e)
		if err != nil {
			a.t.Fatal(err)
		}
		data[i] = eventstore.EventData{ID: uuid.New(), Type: name, Data: body, Metadata: eventstore.Metadata{AccountID: string(account)}}
	}
	res, err := a.store.Append(context.Background(), stream, eventstore.Any, data...)
	if err != nil {
		a.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.wait(ctx, res.Position); err != nil {
		a.t.Fatal(err)
	}
}
