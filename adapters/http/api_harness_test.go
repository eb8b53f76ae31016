package http_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/adapters/memstore"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// The API keys and webhook secrets of the tests: acme's objects are what
// globex must not see.
const (
	acmeKey    = "key-of-acme"
	globexKey  = "key-of-globex"
	acmeHook   = "webhook-secret-of-acme"
	globexHook = "webhook-secret-of-globex"
)

// api is the real handler on fake ports and Idempotency-Keys in memory,
// without a database: what the handler sends and answers, not what the
// read models hold (internal/stacktest/api tests that).
type api struct {
	apitest.Client
	ports *ports
}

// newAPI returns the handler of deps on fresh fakes; options change deps
// before the handler is made.
func newAPI(t *testing.T, options ...func(*httpapi.Deps)) *api {
	t.Helper()
	p := &ports{}
	deps := httpapi.Deps{
		Campaigns: p, CampaignReads: p, Statistics: p, Metadata: p,
		Updates: p, UpdateReads: p, CampaignerReads: p,
		Devices: p, DeviceReads: p, Manifests: p, ManifestReads: p,
		Connector: p, Reports: p, Previews: p,
		APIKeys:         map[string]httpapi.Grant{acmeKey: {Account: "acme"}, globexKey: {Account: "globex"}},
		WebhookSecrets:  map[string]domain.AccountID{acmeHook: "acme", globexHook: "globex"},
		IdempotencyKeys: httpapi.NewMemoryKeys(),
		Log:             slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, o := range options {
		o(&deps)
	}
	return &api{Client: apitest.Client{T: t, Handler: httpapi.NewHandler(deps), Key: acmeKey}, ports: p}
}

// campaignBody is the body of a campaign create named name.
func campaignBody(name, manifest string) map[string]any {
	return map[string]any{"name": name, "root_manifest_id": manifest, "device_filter": "state__eq=registered"}
}

// withCommands puts the real command handlers, on store, behind the
// write routes, for what the commands and the domain refuse; the reads
// stay fakes.
func withCommands(store *memstore.Store) func(*httpapi.Deps) {
	return func(d *httpapi.Deps) {
		cmds := commands.New(store, time.Now)
		d.Campaigns, d.Devices, d.Manifests, d.Connector, d.Reports = cmds, cmds, cmds, cmds, cmds
	}
}

// recorded returns every event in store.
func recorded(t *testing.T, store eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	events, err := store.ReadAll(context.Background(), eventstore.Position{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return events
}
