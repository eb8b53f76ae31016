package ota

import (
	"context"
	"net/http"
	"strings"

	"github.com/updateservice/updateservice/domain"
)

// Director is a client of the Director, which assigns an update to
// devices and says which of them it affects.
type Director struct{ c client }

// NewDirector returns a client of the Director at baseURL
// (http://host:port).
func NewDirector(baseURL string, o Options) *Director {
	return &Director{client{service: ServiceDirector, base: strings.TrimSuffix(baseURL, "/"), opts: o.withDefaults()}}
}

// assignment is the Director's assignment request.
type assignment struct {
	CorrelationID string            `json:"correlationId"`
	Devices       []domain.DeviceID `json:"devices"`
	MtuID         string            `json:"mtuId"`
	DryRun        bool              `json:"dryRun"`
}

// Assign assigns update (the update source's id, Campaigner's mtuId) to
// devices under correlationID (urn:here-ota:campaign:<campaign id>) and
// returns the devices it affects: a device already in a running
// assignment, or whose hardware the update does not fit, is not. A dry
// run assigns nothing and answers the same.
func (d *Director) Assign(ctx context.Context, account domain.AccountID, correlationID, update string, devices []domain.DeviceID, dryRun bool) ([]domain.DeviceID, error) {
	affected := []domain.DeviceID{}
	err := d.c.call(ctx, account, request{op: "Assign", method: http.MethodPost, path: "/api/v1/assignments",
		body: assignment{CorrelationID: correlationID, Devices: devices, MtuID: update, DryRun: dryRun},
		out:  &affected, check: func() error { return deviceIDs(affected) }})
	return affected, err
}

// Cancel cancels the devices' running assignments and returns the devices
// whose assignment it cancelled; a device already updating is not.
func (d *Director) Cancel(ctx context.Context, account domain.AccountID, devices []domain.DeviceID) ([]domain.DeviceID, error) {
	cancelled := []domain.DeviceID{}
	err := d.c.call(ctx, account, request{op: "Cancel", method: http.MethodPatch, path: "/api/v1/assignments",
		body: devices, out: &cancelled, check: func() error { return deviceIDs(cancelled) }})
	return cancelled, err
}
