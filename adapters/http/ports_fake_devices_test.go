package http_test

import (
	"context"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// registered is the stream of a device just registered with attributes:
// what a device write answers from.
func registered(account domain.AccountID, id domain.DeviceID, a domain.DeviceAttributes) []domain.Event {
	return []domain.Event{domain.DeviceRegistered{AccountID: account, DeviceID: id, DeviceName: a.Name, Description: a.Description,
		DeviceClass: a.DeviceClass, Vendor: a.Vendor, FirmwareHash: a.FirmwareHash, Groups: a.Groups,
		Mechanism: string(a.Mechanism), MechanismURL: a.MechanismURL, At: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)}}
}

func (p *ports) RegisterDevice(_ context.Context, c commands.RegisterDevice) (commands.Result, error) {
	pos := p.record("RegisterDevice", c.Account)
	if p.registerDevice != nil {
		return p.registerDevice(c)
	}
	return commands.Result{Position: pos, Stream: registered(c.Account, c.DeviceID, c.Attributes)}, nil
}

func (p *ports) RegisterDevices(_ context.Context, c commands.RegisterDevices) (commands.BulkResult, error) {
	pos := p.record("RegisterDevices", c.Account)
	if p.registerDevices != nil {
		return p.registerDevices(c)
	}
	return commands.BulkResult{Result: commands.Result{Position: pos}, Registered: len(c.Devices)}, nil
}

func (p *ports) PatchDevice(_ context.Context, c commands.PatchDevice) (commands.Result, error) {
	pos := p.record("PatchDevice", c.Account)
	if p.patchDevice != nil {
		return p.patchDevice(c)
	}
	return commands.Result{Position: pos, Stream: registered(c.Account, c.DeviceID, c.Patch.Over(domain.DeviceAttributes{}))}, nil
}

func (p *ports) DeregisterDevice(_ context.Context, c commands.DeregisterDevice) (commands.Result, error) {
	return commands.Result{Position: p.record("DeregisterDevice", c.Account)}, nil
}

func (p *ports) Device(_ context.Context, account domain.AccountID, id domain.DeviceID) (projections.Device, error) {
	p.record("Device", account)
	if p.device != nil {
		return p.device(account, id)
	}
	return projections.Device{ID: id, AccountID: account, State: domain.DeviceRegisteredState}, nil
}

func (p *ports) ListDevices(_ context.Context, account domain.AccountID, req projections.ListRequest) (projections.Page[projections.Device], error) {
	p.record("ListDevices", account)
	return projections.Page[projections.Device]{Limit: req.Limit, Order: req.Order}, nil
}

func (p *ports) RegisterManifest(_ context.Context, c commands.RegisterManifest) (commands.Result, error) {
	return commands.Result{Position: p.record("RegisterManifest", c.Account)}, nil
}

func (p *ports) DeleteManifest(_ context.Context, c commands.DeleteManifest) (commands.Result, error) {
	return commands.Result{Position: p.record("DeleteManifest", c.Account)}, nil
}

func (p *ports) Manifest(_ context.Context, account domain.AccountID, id domain.ManifestID) (projections.Manifest, error) {
	p.record("Manifest", account)
	return projections.Manifest{ID: id, AccountID: account, DeliveredPayloadType: "full"}, nil
}

func (p *ports) ListManifests(_ context.Context, account domain.AccountID, req projections.ListRequest) (projections.Page[projections.Manifest], error) {
	p.record("ListManifests", account)
	return projections.Page[projections.Manifest]{Limit: req.Limit, Order: req.Order}, nil
}

func (p *ports) ManifestFiles(_ context.Context, account domain.AccountID, _ domain.ManifestID) (projections.ManifestFiles, error) {
	p.record("ManifestFiles", account)
	return projections.ManifestFiles{}, nil
}

func (p *ports) HandleRegistration(_ context.Context, c commands.HandleRegistration) (commands.Result, error) {
	return commands.Result{Position: p.record("HandleRegistration", c.Account)}, nil
}

func (p *ports) HandleDeregistration(_ context.Context, c commands.HandleDeregistration) (commands.Result, error) {
	return commands.Result{Position: p.record("HandleDeregistration", c.Account)}, nil
}

func (p *ports) RecordDeviceReports(_ context.Context, c commands.RecordDeviceReports) (commands.ReportsRecorded, error) {
	return commands.ReportsRecorded{Result: commands.Result{Position: p.record("RecordDeviceReports", c.Account)}}, nil
}
