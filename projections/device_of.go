package projections

import (
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// DeviceOf returns the device as the catalog shows it once the read models
// reach the last of history, the events of its stream in order: they are
// applied in memory by the same code that keeps the devices table. A
// device write answers with it instead of waiting for the runner. It is a
// NotFoundError when history leaves the device out of the catalog.
func DeviceOf(account domain.AccountID, id domain.DeviceID, history []domain.Event) (Device, error) {
	m := newReadModels()
	for i, e := range history {
		env := envelope{event: e, stream: domain.DeviceStream(account, id), revision: uint64(i), accountID: account, deviceID: id}
		if err := m.applyDevice(env); err != nil {
			return Device{}, fmt.Errorf("projections.DeviceOf %s: %w", id, err)
		}
	}
	r := m.devices.catalogEntry(envelope{accountID: account, deviceID: id})
	if r == nil || r.State == nil {
		return Device{}, fmt.Errorf("projections.DeviceOf: %w", domain.NotFoundError{Object: "device", ID: string(id)})
	}
	return r.view(), nil
}

// view is the row as the queries return it.
func (r *deviceRow) view() Device {
	d := Device{ID: domain.DeviceID(r.DeviceID), AccountID: domain.AccountID(r.AccountID), Name: r.Name, Description: r.Description,
		DeviceClass: r.DeviceClass, VendorID: r.VendorID, FirmwareChecksum: r.FirmwareChecksum, Groups: r.Groups,
		Mechanism: domain.Mechanism(r.Mechanism), MechanismURL: r.MechanismURL, State: *r.State,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.ActiveCampaignID != nil {
		c := domain.CampaignID(*r.ActiveCampaignID)
		d.ActiveCampaignID = &c
	}
	return d
}
