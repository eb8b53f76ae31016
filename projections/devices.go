package projections

import (
	"time"

	"github.com/updateservice/updateservice/domain"
)

// deviceRow is a row of the devices table; the json tags are its columns.
type deviceRow struct {
	AccountID        string              `json:"account_id"`
	DeviceID         string              `json:"device_id"`
	Name             string              `json:"name"`
	Description      string              `json:"description"`
	DeviceClass      string              `json:"device_class"`
	VendorID         string              `json:"vendor_id"`
	FirmwareChecksum string              `json:"firmware_checksum"`
	Groups           []string            `json:"groups"`
	Mechanism        string              `json:"mechanism"`
	MechanismURL     string              `json:"mechanism_url"`
	State            *domain.DeviceState `json:"state"`
	Subscribed       bool                `json:"subscribed"`
	ActiveCampaignID *string             `json:"active_campaign_id"`
	CreatedAt        time.Time           `json:"created_at"`
	UpdatedAt        time.Time           `json:"updated_at"`
}

var devicesTable = newTableSpec[deviceRow]("devices", "account_id", "device_id")

// deviceKey is the row key of a device: its account and id.
func deviceKey(account domain.AccountID, device domain.DeviceID) string {
	return string(account) + keySep + string(device)
}

// devicesProjection maintains the device catalog from the events of device
// streams. A device known only through a campaign or a resource report
// (an external device registry) gets a row too, with a NULL state.
type devicesProjection struct {
	rows *rowSet[deviceRow]
}

func newDevicesProjection() *devicesProjection {
	return &devicesProjection{rows: newRowSet(devicesTable, func(r *deviceRow) string {
		return deviceKey(domain.AccountID(r.AccountID), domain.DeviceID(r.DeviceID))
	})}
}

// catalogEntry returns the device's row as of the current event, or nil.
func (p *devicesProjection) catalogEntry(env envelope) *deviceRow {
	return p.rows.get(deviceKey(env.accountID, env.deviceID))
}

// OnDeviceRegistered writes the catalog attributes of a (re)registered device.
func (p *devicesProjection) OnDeviceRegistered(env envelope, e domain.DeviceRegistered) {
	p.change(env, e.At, func(r *deviceRow) {
		setAttributes(r, e.DeviceName, e.Description, e.DeviceClass, e.Vendor, e.FirmwareHash, e.Groups, e.Mechanism, e.MechanismURL)
		state := domain.DeviceRegisteredState
		r.State = &state
	})
}

// OnDeviceUpdated writes new catalog attributes.
func (p *devicesProjection) OnDeviceUpdated(env envelope, e domain.DeviceUpdated) {
	p.change(env, e.At, func(r *deviceRow) {
		setAttributes(r, e.DeviceName, e.Description, e.DeviceClass, e.Vendor, e.FirmwareHash, e.Groups, e.Mechanism, e.MechanismURL)
	})
}

func setAttributes(r *deviceRow, name, description, class, vendor, firmware string, groups []string, mechanism, url string) {
	r.Name, r.Description, r.DeviceClass, r.VendorID, r.FirmwareChecksum = name, description, class, vendor, firmware
	r.Groups = append([]string{}, groups...) // never NULL
	r.Mechanism, r.MechanismURL = mechanism, url
}

// OnDeviceDeregistered marks the device deregistered.
func (p *devicesProjection) OnDeviceDeregistered(env envelope, e domain.DeviceDeregistered) {
	p.change(env, e.At, func(r *deviceRow) {
		state := domain.DeviceDeregisteredState
		r.State = &state
	})
}

// OnDeviceResourcesReported copies what the device reported; an empty
// value was not reported and keeps the catalog's.
func (p *devicesProjection) OnDeviceResourcesReported(env envelope, e domain.DeviceResourcesReported) {
	p.change(env, e.At, func(r *deviceRow) {
		setIfReported(&r.DeviceClass, e.DeviceClass)
		setIfReported(&r.VendorID, e.Vendor)
		setIfReported(&r.FirmwareChecksum, e.FirmwareHash)
	})
}

func setIfReported(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// OnDeviceSubscriptionChanged records the notification subscription.
func (p *devicesProjection) OnDeviceSubscriptionChanged(env envelope, e domain.DeviceSubscriptionChanged) {
	p.change(env, e.At, func(r *deviceRow) { r.Subscribed = e.Subscribed })
}

// OnDeviceEnrolled makes the campaign the device's active campaign,
// unless the device is queued behind another one.
func (p *devicesProjection) OnDeviceEnrolled(env envelope, e domain.DeviceEnrolled) {
	if e.Queued {
		return
	}
	p.change(env, e.At, func(r *deviceRow) {
		id := string(e.CampaignID)
		r.ActiveCampaignID = &id
	})
}

// OnDeviceUpdateStateChanged ends the device's active campaign when its
// update there reaches a terminal state.
func (p *devicesProjection) OnDeviceUpdateStateChanged(env envelope, e domain.DeviceUpdateStateChanged) {
	id := string(e.CampaignID)
	r := p.catalogEntry(env)
	active := r != nil && r.ActiveCampaignID != nil && *r.ActiveCampaignID == id
	switch {
	case e.To.Terminal() && active:
		p.change(env, e.At, func(r *deviceRow) { r.ActiveCampaignID = nil })
	case !e.To.Terminal() && !active:
		p.change(env, e.At, func(r *deviceRow) { r.ActiveCampaignID = &id })
	}
}

// change applies f to the device's row, creating the row on the device's
// first event, and stamps it with the event's time.
func (p *devicesProjection) change(env envelope, eventAt time.Time, f func(*deviceRow)) {
	at := env.at(eventAt)
	k := deviceKey(env.accountID, env.deviceID)
	r := p.rows.edit(k)
	if r == nil {
		r = &deviceRow{AccountID: string(env.accountID), DeviceID: string(env.deviceID), Groups: []string{}, CreatedAt: at}
		p.rows.put(k, r)
	}
	f(r)
	r.UpdatedAt = at
}
