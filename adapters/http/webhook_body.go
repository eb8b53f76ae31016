package http

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// channelBody is a body of Connect's notification channel. Lists it does
// not name are ignored, as Connect may send more than this service uses.
type channelBody struct {
	Notifications        []channelNotification  `json:"notifications"`
	AsyncResponses       []channelAsyncResponse `json:"async-responses"`
	Registrations        []channelRegistration  `json:"registrations"`
	RegUpdates           []channelRegistration  `json:"reg-updates"`
	DeRegistrations      []string               `json:"de-registrations"`
	RegistrationsExpired []string               `json:"registrations-expired"`
}

// len counts the body's items.
func (b channelBody) len() int {
	return len(b.Notifications) + len(b.AsyncResponses) + len(b.Registrations) + len(b.RegUpdates) +
		len(b.DeRegistrations) + len(b.RegistrationsExpired)
}

// channelNotification is a resource value a device reported.
type channelNotification struct {
	EP      string `json:"ep"`
	Path    string `json:"path"`
	CT      string `json:"ct"`
	Payload string `json:"payload"` // base64
	MaxAge  int    `json:"max-age"`
}

// channelAsyncResponse is a device's answer to a request the service made
// with an async id.
type channelAsyncResponse struct {
	ID      string `json:"id"`
	Status  int    `json:"status"`
	Error   string `json:"error"`
	CT      string `json:"ct"`
	Payload string `json:"payload"` // base64
	MaxAge  int    `json:"max-age"`
}

// channelRegistration is a device registering (or updating its
// registration) with the connector; ept is its endpoint type, which this
// service takes as the device class.
type channelRegistration struct {
	EP        string            `json:"ep"`
	EPT       string            `json:"ept"`
	Q         bool              `json:"q"`
	Resources []channelResource `json:"resources"`
}

// channelResource is a resource a registration lists. Connect lists paths
// only; a connector that knows a value sends it as text (value) or base64
// (payload), and the device-metadata ones are used.
type channelResource struct {
	Path    string `json:"path"`
	Value   string `json:"value"`
	Payload string `json:"payload"`
}

// The device-metadata resources (LwM2M object 10255) a registration may
// carry values of.
const (
	vendorResource = "/10255/0/3"
	classResource  = "/10255/0/4"
)

// connectorItem is a registration or de-registration of a body, bound to
// its command.
type connectorItem struct {
	list   string
	index  int
	device domain.DeviceID
	what   string
	run    func(ctx context.Context) error
}

// String names the item in logs: its list, index and content.
func (it connectorItem) String() string { return fmt.Sprintf("%s[%d] %s", it.list, it.index, it.what) }

// parsedBody is a body's content in the order it applies: registrations,
// then reports (async responses before notifications, so that the answer
// to a write comes before the device's reports on it), then
// de-registrations, so that a device registering and reporting in one
// body exists first.
type parsedBody struct {
	registrations   []connectorItem
	reports         []domain.Report
	deregistrations []connectorItem
	// foreign lists the async responses to requests this service did not
	// make (another application of the account may share the channel) or
	// made for another account: logged and left.
	foreign []string
}

// itemBuilder turns a body's lists into items, collecting every problem.
type itemBuilder struct {
	meta     commands.Meta
	side     DeviceSide
	items    []connectorItem
	reports  []domain.Report
	foreign  []string
	problems []error
}

// parse validates the body and returns what it asks for.
func (b channelBody) parse(meta commands.Meta, side DeviceSide) (parsedBody, error) {
	meta.CommandID = ""
	ib := &itemBuilder{meta: meta, side: side}
	ib.registrations("registrations", b.Registrations)
	ib.registrations("reg-updates", b.RegUpdates)
	registrations := ib.items
	ib.items = nil
	for i, a := range b.AsyncResponses {
		ib.asyncResponse(i, a)
	}
	for i, n := range b.Notifications {
		ib.notification(i, n)
	}
	ib.deregistrations("de-registrations", b.DeRegistrations)
	ib.deregistrations("registrations-expired", b.RegistrationsExpired)
	return parsedBody{registrations: registrations, reports: ib.reports, deregistrations: ib.items, foreign: ib.foreign},
		errors.Join(ib.problems...)
}

func (ib *itemBuilder) problem(field, reason string) {
	ib.problems = append(ib.problems, domain.InvalidError{Field: field, Reason: reason})
}

// invalid adds the problems the domain found in an item's values, each
// named inside the item.
func (ib *itemBuilder) invalid(item string, err error) {
	invalid := invalidErrors(err)
	if len(invalid) == 0 && err != nil {
		ib.problem(item, err.Error())
	}
	for _, ie := range invalid {
		ib.problem(item+"."+ie.Field, ie.Reason)
	}
}

// device checks an endpoint name.
func (ib *itemBuilder) device(field, ep string) domain.DeviceID {
	id := domain.DeviceID(ep)
	if err := id.Validate(); err != nil {
		ib.problem(field, fmt.Sprintf("%q is not a valid device id", ep))
	}
	return id
}

// decoded reads a base64 payload, padded or not.
func (ib *itemBuilder) decoded(field, payload string) string {
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(payload); err != nil {
			ib.problem(field, "is not base64")
		}
	}
	return string(raw)
}

// asyncResponse adds an async response's report. An async id this service
// did not make answers a request of someone else, and one of another
// account than the request's a write that is not this connector's to
// answer: both are left, not refused. A report the domain would refuse (a
// status out of range, an error text breaking the text rules) refuses the
// body: sent on, it would make the report queue poison the whole batch.
func (ib *itemBuilder) asyncResponse(i int, a channelAsyncResponse) {
	field := fmt.Sprintf("async-responses[%d]", i)
	ib.decoded(field+".payload", a.Payload)
	r, ok := domain.AsyncResponseReport(a.ID, a.Status, a.Error)
	account, _, _, _ := domain.ParseAsyncID(a.ID)
	switch {
	case a.ID == "":
		ib.problem(field+".id", "is required")
	case !ok:
		ib.foreign = append(ib.foreign, fmt.Sprintf("%s id=%q status=%d", field, a.ID, a.Status))
	case account != ib.meta.Account:
		ib.foreign = append(ib.foreign, fmt.Sprintf("%s id=%q status=%d answers a write of account %s", field, a.ID, a.Status, account))
	default:
		if err := r.Validate(); err != nil {
			ib.invalid(field, err)
			return
		}
		ib.reports = append(ib.reports, r)
	}
}

// reportKinds are the resources of the LwM2M firmware-update object (10252)
// whose notifications are reports: the update state and the update result.
var reportKinds = map[string]domain.ReportKind{
	"/10252/0/2": domain.ReportLwM2MState,
	"/10252/0/3": domain.ReportLwM2MResult,
}

// notification adds a notification's report, when it is one of the
// firmware-update object's; other resources are not reports and are left.
func (ib *itemBuilder) notification(i int, n channelNotification) {
	field := fmt.Sprintf("notifications[%d]", i)
	device := ib.device(field+".ep", n.EP)
	if !strings.HasPrefix(n.Path, "/") {
		ib.problem(field+".path", fmt.Sprintf("%q is not a resource path", n.Path))
	}
	payload := ib.decoded(field+".payload", n.Payload)
	kind, ok := reportKinds[n.Path]
	if !ok {
		return
	}
	value, err := strconv.Atoi(strings.TrimSpace(payload))
	if err != nil || value < 0 {
		ib.problem(field+".payload", fmt.Sprintf("%s: %q is not an LwM2M value", n.Path, payload))
		return
	}
	ib.reports = append(ib.reports, domain.Report{Kind: kind, Device: device, Value: value})
}

func (ib *itemBuilder) registrations(list string, regs []channelRegistration) {
	for i, reg := range regs {
		field := fmt.Sprintf("%s[%d]", list, i)
		device := ib.device(field+".ep", reg.EP)
		attrs := domain.DeviceAttributes{DeviceClass: reg.EPT}
		for j, res := range reg.Resources {
			value := res.Value
			if value == "" && res.Payload != "" {
				value = ib.decoded(fmt.Sprintf("%s.resources[%d].payload", field, j), res.Payload)
			}
			switch {
			case value == "":
			case res.Path == vendorResource:
				attrs.Vendor = value
			case res.Path == classResource:
				attrs.DeviceClass = value
			}
		}
		// Refused here, not by the command: its refusal would only be logged.
		ib.invalid(field, domain.DeviceResources{DeviceClass: attrs.DeviceClass, Vendor: attrs.Vendor}.Validate())
		c := commands.HandleRegistration{Meta: ib.meta, DeviceID: device, Attributes: attrs}
		ib.items = append(ib.items, connectorItem{list: list, index: i, device: device,
			what: fmt.Sprintf("class=%q vendor=%q", attrs.DeviceClass, attrs.Vendor),
			run:  func(ctx context.Context) error { _, err := ib.side.HandleRegistration(ctx, c); return err }})
	}
}

func (ib *itemBuilder) deregistrations(list string, eps []string) {
	for i, ep := range eps {
		device := ib.device(fmt.Sprintf("%s[%d]", list, i), ep)
		c := commands.HandleDeregistration{Meta: ib.meta, DeviceID: device}
		ib.items = append(ib.items, connectorItem{list: list, index: i, device: device, what: ep,
			run: func(ctx context.Context) error { _, err := ib.side.HandleDeregistration(ctx, c); return err }})
	}
}
