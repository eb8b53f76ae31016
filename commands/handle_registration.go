package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// HandleRegistration records a registration (or registration update) the
// device connector reported. The connector only knows what the device
// tells it (its class, mostly), so the values it reports are laid over the
// catalog's record instead of replacing it: a registration must not wipe
// the groups or firmware checksum an integrator set.
type HandleRegistration struct {
	Meta
	DeviceID   domain.DeviceID
	Attributes domain.DeviceAttributes
}

// HandleRegistration handles HandleRegistration.
func (h *Handlers) HandleRegistration(ctx context.Context, c HandleRegistration) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.DeviceStream(c.Account, c.DeviceID), domain.LoadDevice, func(d *domain.Device) error {
		attrs := c.Attributes
		if d.ID() != "" {
			attrs = reportedOver(d.Attributes(), c.Attributes)
		}
		return d.Register(c.Account, c.DeviceID, attrs, h.now())
	})
	return res, failed("HandleRegistration", err)
}

// reportedOver returns the catalog's attributes with the values a report
// carries; an empty value was not reported and keeps the catalog's.
func reportedOver(catalog, report domain.DeviceAttributes) domain.DeviceAttributes {
	set := func(to *string, from string) {
		if from != "" {
			*to = from
		}
	}
	set(&catalog.Name, report.Name)
	set(&catalog.Description, report.Description)
	set(&catalog.DeviceClass, report.DeviceClass)
	set(&catalog.Vendor, report.Vendor)
	set(&catalog.FirmwareHash, report.FirmwareHash)
	set(&catalog.MechanismURL, report.MechanismURL)
	if report.Mechanism != "" {
		catalog.Mechanism = report.Mechanism
	}
	if report.Groups != nil {
		catalog.Groups = report.Groups
	}
	return catalog
}
