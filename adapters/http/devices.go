package http

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// DeviceCommands are the catalog writes the device routes send:
// *commands.Handlers.
type DeviceCommands interface {
	RegisterDevice(context.Context, commands.RegisterDevice) (commands.Result, error)
	RegisterDevices(context.Context, commands.RegisterDevices) (commands.BulkResult, error)
	PatchDevice(context.Context, commands.PatchDevice) (commands.Result, error)
	DeregisterDevice(context.Context, commands.DeregisterDevice) (commands.Result, error)
}

// DeviceReads are the device routes' reads of the catalog:
// *projections.Queries.
type DeviceReads interface {
	Device(ctx context.Context, account domain.AccountID, id domain.DeviceID) (projections.Device, error)
	ListDevices(ctx context.Context, account domain.AccountID, req projections.ListRequest) (projections.Page[projections.Device], error)
}

// deviceJSON is a device of the catalog, with Pelion Device Directory's
// field names.
type deviceJSON struct {
	Object           string    `json:"object"`
	ID               string    `json:"id"`
	EndpointName     string    `json:"endpoint_name"`
	Name             string    `json:"name"`
	Description      string    `json:"description"`
	DeviceClass      string    `json:"device_class"`
	VendorID         string    `json:"vendor_id"`
	FirmwareChecksum string    `json:"firmware_checksum"`
	Groups           []string  `json:"groups"`
	Mechanism        string    `json:"mechanism"`
	MechanismURL     string    `json:"mechanism_url"`
	State            string    `json:"state"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func deviceObject(d projections.Device) deviceJSON {
	groups := d.Groups
	if groups == nil {
		groups = []string{}
	}
	return deviceJSON{Object: "device", ID: string(d.ID), EndpointName: string(d.ID), Name: d.Name, Description: d.Description,
		DeviceClass: d.DeviceClass, VendorID: d.VendorID, FirmwareChecksum: d.FirmwareChecksum, Groups: groups,
		Mechanism: string(d.Mechanism), MechanismURL: d.MechanismURL, State: string(d.State),
		CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt)}
}

// deviceInput is a device create or update, or one device of a bulk
// import. The id is the device's endpoint name; endpoint_name is taken
// when id is absent.
type deviceInput struct {
	ID               *string   `json:"id"`
	EndpointName     *string   `json:"endpoint_name"`
	Name             *string   `json:"name"`
	Description      *string   `json:"description"`
	DeviceClass      *string   `json:"device_class"`
	VendorID         *string   `json:"vendor_id"`
	FirmwareChecksum *string   `json:"firmware_checksum"`
	Groups           *[]string `json:"groups"`
	Mechanism        *string   `json:"mechanism"`
	MechanismURL     *string   `json:"mechanism_url"`
}

// deviceID is the id the input gives, or an InvalidError.
func (in deviceInput) deviceID() (domain.DeviceID, error) {
	id := deref(in.ID)
	if id == "" {
		id = deref(in.EndpointName)
	}
	if id == "" {
		return "", domain.InvalidError{Field: "id", Reason: "is required: the device's endpoint name"}
	}
	if err := domain.DeviceID(id).Validate(); err != nil {
		return "", domain.InvalidError{Field: "id", Reason: fmt.Sprintf("%q is not a valid device id: 1-128 characters of UTF-8, no spaces, slashes or control characters", id)}
	}
	return domain.DeviceID(id), nil
}

// patch is the change of catalog attributes the input gives; a field it
// leaves out is not changed.
func (in deviceInput) patch() commands.DevicePatch {
	p := commands.DevicePatch{Name: in.Name, Description: in.Description, DeviceClass: in.DeviceClass, Vendor: in.VendorID,
		FirmwareHash: in.FirmwareChecksum, Groups: in.Groups, MechanismURL: in.MechanismURL}
	if in.Mechanism != nil {
		m := domain.Mechanism(*in.Mechanism)
		p.Mechanism = &m
	}
	return p
}

func deviceID(r *http.Request) domain.DeviceID { return domain.DeviceID(chi.URLParam(r, "id")) }

// createDevice registers a device in the catalog (again, if it was
// deregistered): 201 with the device.
func (d Deps) createDevice(w http.ResponseWriter, r *http.Request) {
	var in deviceInput
	if err := decode(r, &in); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	id, err := in.deviceID()
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	res, err := d.Devices.RegisterDevice(r.Context(), commands.RegisterDevice{Meta: commandMeta(r), DeviceID: id, Attributes: in.patch().Over(domain.DeviceAttributes{})})
	d.answerDevice(w, r, res, err, id, http.StatusCreated)
}

// answerDevice answers a device command: its error, or the device with
// status as the catalog shows it once the read models reflect the
// command, computed from the device's own events so that the answer does
// not wait for them; the account's next read does.
func (d Deps) answerDevice(w http.ResponseWriter, r *http.Request, res commands.Result, err error, id domain.DeviceID, status int) {
	account := accountOf(r.Context())
	var dev projections.Device
	if err == nil {
		dev, err = projections.DeviceOf(account, id, res.Stream)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	d.writes.wrote(account, res.Position)
	writeJSON(w, status, deviceObject(dev))
}

// getDevice answers one device of the account's catalog.
func (d Deps) getDevice(w http.ResponseWriter, r *http.Request) {
	dev, err := d.DeviceReads.Device(r.Context(), accountOf(r.Context()), deviceID(r))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, deviceObject(dev))
}

// listDevices answers a page of the account's catalog.
func (d Deps) listDevices(w http.ResponseWriter, r *http.Request) {
	answerList(d, w, r, d.DeviceReads.ListDevices, deviceObject)
}

// updateDevice changes the fields the body gives and keeps the others.
func (d Deps) updateDevice(w http.ResponseWriter, r *http.Request) {
	var in deviceInput
	if err := decode(r, &in); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	// The given fields are laid over the device's current attributes in
	// the event store, not the read model, which may lag behind.
	id := deviceID(r)
	res, err := d.Devices.PatchDevice(r.Context(), commands.PatchDevice{Meta: commandMeta(r), DeviceID: id, Patch: in.patch()})
	d.answerDevice(w, r, res, err, id, http.StatusOK)
}

// deleteDevice deregisters a device, ending its active update: 204. The
// catalog keeps it as deregistered.
func (d Deps) deleteDevice(w http.ResponseWriter, r *http.Request) {
	res, err := d.Devices.DeregisterDevice(r.Context(), commands.DeregisterDevice{Meta: commandMeta(r), DeviceID: deviceID(r)})
	d.answerNoContent(w, r, res, err)
}
