package http_test

import (
	"context"
	"sync"
	"time"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// catalog fakes the manifest ports as a catalog in memory: a manifest
// registered through it reads back in its account, as the read models
// would show it, and it keeps the commands it was sent.
type catalog struct {
	mu        sync.Mutex
	manifests map[domain.ManifestID]commands.RegisterManifest
}

// withCatalog puts c behind the manifest routes.
func withCatalog(c *catalog) func(*httpapi.Deps) {
	return func(d *httpapi.Deps) { d.Manifests, d.ManifestReads = c, c }
}

// registered is the command that registered id.
func (c *catalog) registered(id string) commands.RegisterManifest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.manifests[domain.ManifestID(id)]
}

func (c *catalog) RegisterManifest(_ context.Context, cmd commands.RegisterManifest) (commands.Result, error) {
	if _, err := domain.NewManifest(cmd.ManifestID, cmd.Account, cmd.Spec, time.Now()); err != nil {
		return commands.Result{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.manifests == nil {
		c.manifests = map[domain.ManifestID]commands.RegisterManifest{}
	}
	c.manifests[cmd.ManifestID] = cmd
	return commands.Result{}, nil
}

func (c *catalog) DeleteManifest(context.Context, commands.DeleteManifest) (commands.Result, error) {
	return commands.Result{}, nil
}

// catalogTime is when every manifest of the catalog was registered.
var catalogTime = time.Date(2026, 3, 1, 8, 0, 0, 123456000, time.UTC)

func (c *catalog) Manifest(_ context.Context, account domain.AccountID, id domain.ManifestID) (projections.Manifest, error) {
	cmd := c.registered(string(id))
	if cmd.Account != account {
		return projections.Manifest{}, domain.NotFoundError{Object: "firmware manifest", ID: string(id)}
	}
	s := cmd.Spec
	if s.PayloadType == "" {
		s.PayloadType = domain.PayloadFull // as RegisterManifest records it
	}
	return projections.Manifest{ID: id, AccountID: account, Name: s.Name, Description: s.Description, DeviceClass: s.DeviceClass,
		DeviceVendor: s.Vendor, Timestamp: s.Timestamp, SchemaVersion: s.SchemaVersion, DeliveredPayloadType: s.PayloadType,
		DeliveredPayloadURL: s.PayloadURL, DeliveredPayloadDigest: s.PayloadDigest, DeliveredPayloadSize: s.PayloadSize,
		Datafile: s.DatafileURL, DatafileSize: s.DatafileSize, KeyTable: s.KeyTableURL, CreatedAt: catalogTime,
		UpdatedAt: catalogTime, Etag: "0", PrecursorPayloadDigest: s.PrecursorDigest, UpdatePriority: s.UpdatePriority,
		ComponentName: s.ComponentName, PayloadVersion: s.PayloadVersion, ParsedRawManifest: string(s.ParsedRaw)}, nil
}

func (c *catalog) ListManifests(context.Context, domain.AccountID, projections.ListRequest) (projections.Page[projections.Manifest], error) {
	return projections.Page[projections.Manifest]{}, nil
}

func (c *catalog) ManifestFiles(ctx context.Context, account domain.AccountID, id domain.ManifestID) (projections.ManifestFiles, error) {
	if _, err := c.Manifest(ctx, account, id); err != nil {
		return projections.ManifestFiles{}, err
	}
	s := c.registered(string(id)).Spec
	return projections.ManifestFiles{Datafile: s.File, KeyTable: s.KeyTable}, nil
}
