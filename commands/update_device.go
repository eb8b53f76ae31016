package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// UpdateDevice replaces the catalog attributes of a registered device (the
// API's update). Attributes are the whole new set: the caller merges a
// partial request with the current record first.
type UpdateDevice struct {
	Meta
	DeviceID   domain.DeviceID
	Attributes domain.DeviceAttributes
}

// UpdateDevice handles UpdateDevice.
func (h *Handlers) UpdateDevice(ctx context.Context, c UpdateDevice) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.DeviceStream(c.Account, c.DeviceID), domain.LoadDevice, func(d *domain.Device) error {
		if err := ownDevice(d, c.Meta, c.DeviceID); err != nil {
			return err
		}
		return d.UpdateAttributes(c.Attributes, h.now())
	})
	return res, failed("UpdateDevice", err)
}
