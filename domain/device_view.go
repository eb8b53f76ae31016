package domain

import (
	"slices"
	"time"
)

// AccountID returns the account the device belongs to.
func (d *Device) AccountID() AccountID { return d.account }

// ID returns the device's id.
func (d *Device) ID() DeviceID { return d.id }

// State returns the device's catalog state, or "" for a device that never
// registered.
func (d *Device) State() DeviceState { return d.state }

// Registered reports whether the device is in the catalog now.
func (d *Device) Registered() bool { return d.state == DeviceRegisteredState }

// Attributes returns the device's catalog attributes.
func (d *Device) Attributes() DeviceAttributes {
	a := d.attrs
	a.Groups = slices.Clone(a.Groups)
	return a
}

// Name returns the device's name.
func (d *Device) Name() string { return d.attrs.Name }

// Description returns the device's description.
func (d *Device) Description() string { return d.attrs.Description }

// DeviceClass returns the device's class, matched against manifests.
func (d *Device) DeviceClass() string { return d.attrs.DeviceClass }

// Vendor returns the device's vendor id.
func (d *Device) Vendor() string { return d.attrs.Vendor }

// FirmwareHash returns the hash of the firmware the device last reported.
func (d *Device) FirmwareHash() string { return d.attrs.FirmwareHash }

// Groups returns the device's groups, sorted.
func (d *Device) Groups() []string { return slices.Clone(d.attrs.Groups) }

// Mechanism returns how the device receives manifests.
func (d *Device) Mechanism() Mechanism { return d.attrs.Mechanism }

// MechanismURL returns the address used by the mechanism, if any.
func (d *Device) MechanismURL() string { return d.attrs.MechanismURL }

// Subscribed reports whether the device's update resource is subscribed
// for notifications.
func (d *Device) Subscribed() bool { return d.subscribed }

// Updates returns the state of the device's update in each campaign it was
// enrolled in or skipped by.
func (d *Device) Updates() map[CampaignID]UpdateState {
	out := make(map[CampaignID]UpdateState, len(d.updates))
	for id, u := range d.updates {
		out[id] = u.State
	}
	return out
}

// Update returns the device's update in one campaign; ok is false when the
// device was neither enrolled in nor skipped by it.
func (d *Device) Update(campaign CampaignID) (u DeviceUpdate, ok bool) {
	u, ok = d.updates[campaign]
	return u, ok
}

// ActiveCampaign returns the campaign whose update of the device is not
// over; ok is false when there is none.
func (d *Device) ActiveCampaign() (campaign CampaignID, ok bool) { return d.active, d.active != "" }

// RegisteredAt returns when the device last registered.
func (d *Device) RegisteredAt() time.Time { return d.registeredAt }

// DeregisteredAt returns when the device last deregistered, or the zero
// time.
func (d *Device) DeregisteredAt() time.Time { return d.deregisteredAt }

// UpdatedAt returns when the device's catalog record last changed.
func (d *Device) UpdatedAt() time.Time { return d.updatedAt }
