package commands

import (
	"context"
	"slices"

	"github.com/updateservice/updateservice/domain"
)

// DevicePatch is a change of some of a device's catalog attributes; a nil
// field is not changed.
type DevicePatch struct {
	Name         *string
	Description  *string
	DeviceClass  *string
	Vendor       *string
	FirmwareHash *string
	Groups       *[]string
	Mechanism    *domain.Mechanism
	MechanismURL *string
}

// PatchDevice applies a device catalog change (the
// deployment-service-device-updated queue): the fields the change names
// replace the catalog's, the others stay. Unlike UpdateDevice, the sender
// need not know the whole record, which is what a catalog change
// notification carries. A change to values the device already has records
// nothing.
type PatchDevice struct {
	Meta
	DeviceID domain.DeviceID
	Patch    DevicePatch
}

// PatchDevice handles PatchDevice. A device the account's catalog does not
// have answers domain.NotFoundError.
func (h *Handlers) PatchDevice(ctx context.Context, c PatchDevice) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.DeviceStream(c.Account, c.DeviceID), domain.LoadDevice, func(d *domain.Device) error {
		if err := ownDevice(d, c.Meta, c.DeviceID); err != nil {
			return err
		}
		return d.UpdateAttributes(c.Patch.Over(d.Attributes()), h.now())
	})
	return res, failed("PatchDevice", err)
}

// Over returns the attributes with the patch's fields laid over them.
func (p DevicePatch) Over(a domain.DeviceAttributes) domain.DeviceAttributes {
	set := func(to *string, from *string) {
		if from != nil {
			*to = *from
		}
	}
	set(&a.Name, p.Name)
	set(&a.Description, p.Description)
	set(&a.DeviceClass, p.DeviceClass)
	set(&a.Vendor, p.Vendor)
	set(&a.FirmwareHash, p.FirmwareHash)
	set(&a.MechanismURL, p.MechanismURL)
	if p.Groups != nil {
		a.Groups = slices.Clone(*p.Groups)
	}
	if p.Mechanism != nil {
		a.Mechanism = *p.Mechanism
	}
	return a
}
