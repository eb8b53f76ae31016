package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// ChangeDeviceSubscription records whether a device's update resource is
// subscribed for notifications (the
// connector-channel-handle-notification-subscription queue). Reporting the
// subscription the device already has records nothing, as the connector
// repeats itself.
type ChangeDeviceSubscription struct {
	Meta
	DeviceID   domain.DeviceID
	Subscribed bool
}

// ChangeDeviceSubscription handles ChangeDeviceSubscription. A device the
// account's catalog does not have answers domain.NotFoundError.
func (h *Handlers) ChangeDeviceSubscription(ctx context.Context, c ChangeDeviceSubscription) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.DeviceStream(c.Account, c.DeviceID), domain.LoadDevice, func(d *domain.Device) error {
		if err := ownDevice(d, c.Meta, c.DeviceID); err != nil {
			return err
		}
		return d.ChangeSubscription(c.Subscribed, h.now())
	})
	return res, failed("ChangeDeviceSubscription", err)
}
