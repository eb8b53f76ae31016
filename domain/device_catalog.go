package domain

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// DeviceAttributes are a device's catalog attributes. Groups are kept
// sorted and without repeats, so the same groups in another order are the
// same attributes (rule 1). An empty mechanism means connector.
type DeviceAttributes struct {
	Name         string
	Description  string
	DeviceClass  string
	Vendor       string
	FirmwareHash string
	Groups       []string
	Mechanism    Mechanism
	MechanismURL string
}

// DeviceResources is the update-object metadata a device reports: its
// class, vendor and the hash of the firmware it runs. An empty value was not
// reported and keeps the catalog's.
type DeviceResources struct {
	DeviceClass  string
	Vendor       string
	FirmwareHash string
}

// Register adds the device to its account's catalog, or records new
// attributes of a device that registers again (rule 1).
func (d *Device) Register(account AccountID, id DeviceID, attrs DeviceAttributes, now time.Time) error {
	const op = "device.Register"
	attrs = attrs.normalized()
	if err := errors.Join(append([]error{account.Validate(), id.Validate()}, attrs.problems()...)...); err != nil {
		return wrap(op, err)
	}
	if d.id != "" && (d.id != id || d.account != account) {
		return wrap(op, InvalidError{Field: "device_id", Reason: fmt.Sprintf("the stream holds device %s of account %s, not %s of %s", d.id, d.account, id, account)})
	}
	if d.state != DeviceRegisteredState {
		return wrap(op, d.record(attrs.registered(account, id, now)))
	}
	if attrs.equal(d.attrs) {
		return nil
	}
	return wrap(op, d.record(attrs.updated(now)))
}

// UpdateAttributes records new catalog attributes of a registered device
// (rule 2).
func (d *Device) UpdateAttributes(attrs DeviceAttributes, now time.Time) error {
	const op = "device.UpdateAttributes"
	attrs = attrs.normalized()
	if err := errors.Join(attrs.problems()...); err != nil {
		return wrap(op, err)
	}
	if err := d.registered("updated"); err != nil {
		return wrap(op, err)
	}
	if attrs.equal(d.attrs) {
		return nil
	}
	return wrap(op, d.record(attrs.updated(now)))
}

// Deregister removes the device from the catalog, ending its active update
// as deregistered (rule 3).
func (d *Device) Deregister(now time.Time) error {
	const op = "device.Deregister"
	if err := d.known(); err != nil {
		return wrap(op, err)
	}
	if d.state == DeviceDeregisteredState {
		return nil
	}
	for _, u := range d.endedByDeregistration() {
		change := DeviceUpdateStateChanged{CampaignID: u.Campaign, From: u.State, To: UpdateDeregistered, Reason: "device deregistered", At: now}
		if err := d.record(change); err != nil {
			return wrap(op, err)
		}
	}
	return wrap(op, d.record(DeviceDeregistered{At: now}))
}

// ReportResources records the update-object metadata the device reported
// (rule 2). Devices report often: an unchanged report records nothing.
func (d *Device) ReportResources(r DeviceResources, now time.Time) error {
	const op = "device.ReportResources"
	if err := errors.Join(r.problems()...); err != nil {
		return wrap(op, err)
	}
	if err := d.registered("resources reported"); err != nil {
		return wrap(op, err)
	}
	if current := d.resources(); current.merge(r) == current {
		return nil
	}
	return wrap(op, d.record(DeviceResourcesReported{DeviceClass: r.DeviceClass, Vendor: r.Vendor, FirmwareHash: r.FirmwareHash, At: now}))
}

// ChangeSubscription records whether the device's update resource is
// subscribed for notifications (rule 2).
func (d *Device) ChangeSubscription(subscribed bool, now time.Time) error {
	const op = "device.ChangeSubscription"
	if err := d.registered("subscription changed"); err != nil {
		return wrap(op, err)
	}
	if subscribed == d.subscribed {
		return nil
	}
	return wrap(op, d.record(DeviceSubscriptionChanged{Subscribed: subscribed, At: now}))
}

// resources returns the update-object metadata the catalog holds.
func (d *Device) resources() DeviceResources {
	return DeviceResources{DeviceClass: d.attrs.DeviceClass, Vendor: d.attrs.Vendor, FirmwareHash: d.attrs.FirmwareHash}
}

// setResources stores reported metadata, keeping the catalog's values for
// what the report left empty.
func (d *Device) setResources(r DeviceResources) {
	r = d.resources().merge(r)
	d.attrs.DeviceClass, d.attrs.Vendor, d.attrs.FirmwareHash = r.DeviceClass, r.Vendor, r.FirmwareHash
}

// merge returns r with the values reported in update: an empty value was
// not reported and keeps r's.
func (r DeviceResources) merge(update DeviceResources) DeviceResources {
	set := func(to *string, from string) {
		if from != "" {
			*to = from
		}
	}
	set(&r.DeviceClass, update.DeviceClass)
	set(&r.Vendor, update.Vendor)
	set(&r.FirmwareHash, update.FirmwareHash)
	return r
}

// normalized sorts and de-duplicates the groups and defaults the mechanism.
func (a DeviceAttributes) normalized() DeviceAttributes {
	a.Groups = slices.Compact(slices.Sorted(slices.Values(a.Groups)))
	if len(a.Groups) == 0 {
		a.Groups = nil
	}
	if a.Mechanism == "" {
		a.Mechanism = MechanismConnector
	}
	return a
}

// Validate checks the attributes' texts (the text rules) and mechanism (an
// empty one is the connector), so that an adapter can refuse its input
// with the domain's own reasons before sending a command.
func (a DeviceAttributes) Validate() error { return errors.Join(a.normalized().problems()...) }

// problems lists what is wrong with the attributes' texts (the text
// rules) and mechanism.
func (a DeviceAttributes) problems() []error {
	problems := textProblems(textProblem("name", a.Name, 128, oneLine), textProblem("description", a.Description, 2000, freeText),
		textProblem("mechanism_url", a.MechanismURL, 2048, oneLine))
	problems = append(problems, DeviceResources{DeviceClass: a.DeviceClass, Vendor: a.Vendor, FirmwareHash: a.FirmwareHash}.problems()...)
	for i, g := range a.Groups {
		problems = append(problems, textProblems(textProblem(fmt.Sprintf("groups[%d]", i), g, 128, oneLine))...)
	}
	if _, err := ParseMechanism(string(a.Mechanism)); err != nil {
		problems = append(problems, err)
	}
	return problems
}

// Validate checks the resources by the text rules, so that an adapter can
// refuse its input with the domain's own reasons before sending a command.
func (r DeviceResources) Validate() error { return errors.Join(r.problems()...) }

// problems lists what is wrong with the resources' texts (the text rules).
func (r DeviceResources) problems() []error {
	return textProblems(textProblem("device_class", r.DeviceClass, 128, oneLine), textProblem("vendor_id", r.Vendor, 128, oneLine),
		textProblem("firmware_checksum", r.FirmwareHash, 256, oneLine))
}

// equal reports whether two normalized attribute sets are the same.
func (a DeviceAttributes) equal(o DeviceAttributes) bool {
	return a.Name == o.Name && a.Description == o.Description && a.DeviceClass == o.DeviceClass &&
		a.Vendor == o.Vendor && a.FirmwareHash == o.FirmwareHash && slices.Equal(a.Groups, o.Groups) &&
		a.Mechanism == o.Mechanism && a.MechanismURL == o.MechanismURL
}

// registered is the event of the device joining the catalog with a.
func (a DeviceAttributes) registered(account AccountID, id DeviceID, at time.Time) DeviceRegistered {
	return DeviceRegistered{AccountID: account, DeviceID: id, DeviceName: a.Name, Description: a.Description,
		DeviceClass: a.DeviceClass, Vendor: a.Vendor, FirmwareHash: a.FirmwareHash, Groups: a.Groups,
		Mechanism: string(a.Mechanism), MechanismURL: a.MechanismURL, At: at}
}

// updated is the event of the device's attributes becoming a.
func (a DeviceAttributes) updated(at time.Time) DeviceUpdated {
	return DeviceUpdated{DeviceName: a.Name, Description: a.Description, DeviceClass: a.DeviceClass,
		Vendor: a.Vendor, FirmwareHash: a.FirmwareHash, Groups: a.Groups,
		Mechanism: string(a.Mechanism), MechanismURL: a.MechanismURL, At: at}
}

// attributesOfRegistered reads the attributes a DeviceRegistered recorded.
func attributesOfRegistered(e DeviceRegistered) DeviceAttributes {
	return DeviceAttributes{Name: e.DeviceName, Description: e.Description, DeviceClass: e.DeviceClass,
		Vendor: e.Vendor, FirmwareHash: e.FirmwareHash, Groups: slices.Clone(e.Groups),
		Mechanism: Mechanism(e.Mechanism), MechanismURL: e.MechanismURL}
}

// attributesOfUpdated reads the attributes a DeviceUpdated recorded.
func attributesOfUpdated(e DeviceUpdated) DeviceAttributes {
	return DeviceAttributes{Name: e.DeviceName, Description: e.Description, DeviceClass: e.DeviceClass,
		Vendor: e.Vendor, FirmwareHash: e.FirmwareHash, Groups: slices.Clone(e.Groups),
		Mechanism: Mechanism(e.Mechanism), MechanismURL: e.MechanismURL}
}

// endedByDeregistration lists the updates a deregistration ends: the
// active one and the queued ones, in campaign order (rules 3 and 10).
func (d *Device) endedByDeregistration() []DeviceUpdate {
	var out []DeviceUpdate
	for _, c := range slices.Sorted(maps.Keys(d.updates)) {
		if u := d.updates[c]; c == d.active && d.active != "" || u.State == UpdateQueued {
			out = append(out, u)
		}
	}
	return out
}
