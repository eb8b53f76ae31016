package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// HandleDeregistration records that the device connector reported a
// device de-registered (or its registration expired); its update in an
// active campaign ends as deregistered. A device the catalog never had is
// ignored: the connector serves devices that are not ours to track.
type HandleDeregistration struct {
	Meta
	DeviceID domain.DeviceID
}

// HandleDeregistration handles HandleDeregistration.
func (h *Handlers) HandleDeregistration(ctx context.Context, c HandleDeregistration) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.DeviceStream(c.Account, c.DeviceID), domain.LoadDevice, func(d *domain.Device) error {
		if d.ID() == "" {
			return nil
		}
		return d.Deregister(h.now())
	})
	return res, failed("HandleDeregistration", err)
}
