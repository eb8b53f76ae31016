package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// RegisterDevice adds a device to the account's catalog (the API's create).
// A device already in it takes the new attributes; the same attributes
// again record nothing.
type RegisterDevice struct {
	Meta
	DeviceID   domain.DeviceID
	Attributes domain.DeviceAttributes
}

// RegisterDevice handles RegisterDevice.
func (h *Handlers) RegisterDevice(ctx context.Context, c RegisterDevice) (Result, error) {
	res, err := createOrUpdate(ctx, h, c.Meta, domain.DeviceStream(c.Account, c.DeviceID), domain.LoadDevice, func(d *domain.Device) error {
		return d.Register(c.Account, c.DeviceID, c.Attributes, h.now())
	})
	return res, failed("RegisterDevice", err)
}
