package wiring

import (
	"context"
	"errors"
	"net/http"

	"github.com/updateservice/updateservice/adapters/ota"
	"github.com/updateservice/updateservice/domain"
)

// Registry is the Device Registry's client as the campaign engine
// (engine.DeviceGroups) and the HTTP API (httpapi.DeviceRegistry) use
// it: a group or a device the Registry answers 404 for is one it does not
// have, not a failure, so that an unknown group reads as empty and an
// unknown device keeps our id.
type Registry struct{ Client *ota.Registry }

// GroupDevices returns at most limit of group's devices from offset; none
// for a group the Registry does not know.
func (r Registry) GroupDevices(ctx context.Context, account domain.AccountID, group string, offset, limit int) ([]domain.DeviceID, error) {
	p, err := r.Client.GroupDevices(ctx, account, group, offset, limit)
	if notFound(err) {
		return nil, nil
	}
	return p.Values, err
}

// OwnDeviceID returns the device's own (OEM) id; found is false for a
// device the Registry does not know.
func (r Registry) OwnDeviceID(ctx context.Context, account domain.AccountID, device domain.DeviceID) (string, bool, error) {
	d, err := r.Client.Device(ctx, account, device)
	if notFound(err) {
		return "", false, nil
	}
	return d.DeviceID, err == nil, err
}

// notFound says the Registry answered 404.
func notFound(err error) bool {
	var e *ota.Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}
