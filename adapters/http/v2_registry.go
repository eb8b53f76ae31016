package http

import (
	"context"
	"fmt"
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// DeviceRegistry is Campaigner's Device Registry (adapters/ota's
// *Registry behind a thin adapter): the members of the groups a campaign
// is created over, and the devices' own ids the failed-installations CSV
// shows. Nil in Deps: the built-in catalog answers instead.
type DeviceRegistry interface {
	// GroupDevices returns at most limit of group's devices from offset;
	// none for a group the Registry does not know.
	GroupDevices(ctx context.Context, account domain.AccountID, group string, offset, limit int) ([]domain.DeviceID, error)
	// OwnDeviceID returns the device's own (OEM) id; found is false for a
	// device the Registry does not know.
	OwnDeviceID(ctx context.Context, account domain.AccountID, device domain.DeviceID) (id string, found bool, err error)
}

// registryLookups bounds the Registry calls the CSV has in flight: a page
// of a thousand failed devices is a thousand lookups.
const registryLookups = 8

// errRegistryFailed answers a request the Device Registry failed (after
// its client's retries): libats' code for a failing remote service.
var errRegistryFailed = statusError{http.StatusBadGateway, "remote_service_error",
	"the Device Registry failed to answer; try again later"}

// groupsHaveDevices reports whether any of the groups holds a device: in
// the Registry when one is configured, else among the catalog's
// registered devices.
func (d Deps) groupsHaveDevices(ctx context.Context, account domain.AccountID, groups []string) (bool, error) {
	if d.Registry == nil {
		devices, err := d.CampaignerReads.MatchingDevices(ctx, account, domain.DeviceSelection{Filter: v2DeviceFilter, Groups: groups}, "", 1)
		return len(devices) > 0, err
	}
	for _, g := range groups {
		devices, err := d.Registry.GroupDevices(ctx, account, g, 0, 1)
		if err != nil {
			return false, d.registryFailed(ctx, err)
		}
		if len(devices) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// csvDeviceIDs returns the device column of failed devices: the
// Registry's own device ids when one is configured (a device it does not
// know keeps ours), else our device ids.
func (d Deps) csvDeviceIDs(ctx context.Context, account domain.AccountID, failed []projections.FailedInstallation) ([]string, error) {
	ids := make([]string, len(failed))
	for i, f := range failed {
		ids[i] = string(f.DeviceID)
	}
	if d.Registry == nil {
		return ids, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(registryLookups)
	for i, f := range failed {
		g.Go(func() error {
			own, found, err := d.Registry.OwnDeviceID(gctx, account, f.DeviceID)
			if found {
				ids[i] = own
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, d.registryFailed(ctx, err)
	}
	return ids, nil
}

// registryFailed logs the Registry's failure and returns the error that
// answers it; the context's own end is returned as it is.
func (d Deps) registryFailed(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	d.Log.ErrorContext(ctx, "the Device Registry failed", "error", err)
	return fmt.Errorf("%w: %w", errRegistryFailed, err)
}
