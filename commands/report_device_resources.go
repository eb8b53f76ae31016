package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// ReportDeviceResources records the update-object metadata a device
// reported: its class, vendor and firmware hash (the
// update-service-device-resource-manager queue). An empty value was not
// reported and keeps the catalog's; an unchanged report records nothing.
type ReportDeviceResources struct {
	Meta
	DeviceID  domain.DeviceID
	Resources domain.DeviceResources
}

// ReportDeviceResources handles ReportDeviceResources. A device the
// account's catalog does not have answers domain.NotFoundError.
func (h *Handlers) ReportDeviceResources(ctx context.Context, c ReportDeviceResources) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.DeviceStream(c.Account, c.DeviceID), domain.LoadDevice, func(d *domain.Device) error {
		if err := ownDevice(d, c.Meta, c.DeviceID); err != nil {
			return err
		}
		return d.ReportResources(c.Resources, h.now())
	})
	return res, failed("ReportDeviceResources", err)
}
