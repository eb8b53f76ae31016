package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// DeregisterDevice removes a device from the account's catalog (the API's
// delete); its update in an active campaign ends as deregistered. The
// device's history stays, and it may register again.
type DeregisterDevice struct {
	Meta
	DeviceID domain.DeviceID
}

// DeregisterDevice handles DeregisterDevice.
func (h *Handlers) DeregisterDevice(ctx context.Context, c DeregisterDevice) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.DeviceStream(c.Account, c.DeviceID), domain.LoadDevice, func(d *domain.Device) error {
		if err := ownDevice(d, c.Meta, c.DeviceID); err != nil {
			return err
		}
		return d.Deregister(h.now())
	})
	return res, failed("DeregisterDevice", err)
}
