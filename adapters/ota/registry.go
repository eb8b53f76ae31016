package ota

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/updateservice/updateservice/domain"
)

// PageSize is how many devices of a group GroupPages asks for at a time:
// the Registry's largest page, as the Campaigner asked.
const PageSize = 1000

// Registry is a client of the Device Registry.
type Registry struct{ c client }

// NewRegistry returns a client of the Device Registry at baseURL
// (http://host:port).
func NewRegistry(baseURL string, o Options) *Registry {
	return &Registry{client{service: ServiceRegistry, base: strings.TrimSuffix(baseURL, "/"), opts: o.withDefaults()}}
}

// GroupPage is one page of a group's devices.
type GroupPage struct {
	// Values are the devices' ids (UUIDs), as the Registry orders them.
	Values []domain.DeviceID `json:"values"`
	Total  int64             `json:"total"`
	Offset int64             `json:"offset"`
	Limit  int64             `json:"limit"`
}

// GroupDevices returns the page of group's devices from offset, at most
// limit of them.
func (r *Registry) GroupDevices(ctx context.Context, account domain.AccountID, group string, offset, limit int) (GroupPage, error) {
	var p GroupPage
	err := r.c.call(ctx, account, request{op: "GroupDevices", method: http.MethodGet,
		path:  "/api/v1/device_groups/" + url.PathEscape(group) + "/devices",
		query: url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}},
		out:   &p, check: func() error { return deviceIDs(p.Values) }})
	return p, err
}

// GroupPages reads a whole group page by page (PageSize devices each),
// until the Registry answers an empty page, holding one page at a time.
// An error ends the sequence, yielded with no devices.
func (r *Registry) GroupPages(ctx context.Context, account domain.AccountID, group string) iter.Seq2[[]domain.DeviceID, error] {
	return func(yield func([]domain.DeviceID, error) bool) {
		for offset := 0; ; {
			p, err := r.GroupDevices(ctx, account, group, offset, PageSize)
			if err != nil {
				yield(nil, err)
				return
			}
			if len(p.Values) == 0 || !yield(p.Values, nil) {
				return
			}
			offset += len(p.Values)
		}
	}
}

// RegisteredDevice is what the client reads of a device in the Registry.
type RegisteredDevice struct {
	// UUID is the Registry's id of the device, the one the Campaigner and
	// this service use.
	UUID domain.DeviceID `json:"uuid"`
	// DeviceID is the device's own (OEM) id, which the failed-installations
	// CSV shows.
	DeviceID string `json:"deviceId"`
	// Name is the device's display name.
	Name string `json:"deviceName"`
}

// Device returns the Registry's record of a device.
func (r *Registry) Device(ctx context.Context, account domain.AccountID, device domain.DeviceID) (RegisteredDevice, error) {
	var d RegisteredDevice
	err := r.c.call(ctx, account, request{op: "Device", method: http.MethodGet, path: "/api/v1/devices/" + url.PathEscape(string(device)),
		out: &d, check: func() error { return domain.CheckText("deviceId", d.DeviceID, 200, false) }})
	return d, err
}
