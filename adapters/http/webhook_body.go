package http

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

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

// connectorItem is one item of a body, bound to its command.
type connectorItem struct {
	list   string
	index  int
	device domain.DeviceID // empty when the item names no device of this service
	what   string
	run    func(ctx context.Context) error

	// Set while the item waits for a retry: why it could not apply, and
	// since when it is tried.
	lastErr error
	since   time.Time
}

// String names the item in logs: its list, index and content.
func (it connectorItem) String() string { return fmt.Sprintf("%s[%d] %s", it.list, it.index, it.what) }

// itemBuilder turns a body's lists into items, collecting every problem.
type itemBuilder struct {
	meta     commands.Meta
	side     DeviceSide
	items    []connectorItem
	problems []error
}

// items validates the body and returns its items in the order they apply:
// registrations, async responses, notifications, then de-registrations,
// so that a device registering and reporting in one body exists first and
// the async response of a write comes before the device's reports on it.
// Each command gets a new command id: repeated reports are harmless
// because the domain records a repeated step once.
func (b channelBody) items(meta commands.Meta, side DeviceSide) ([]connectorItem, error) {
	meta.CommandID = ""
	ib := &itemBuilder{meta: meta, side: side}
	ib.registrations("registrations", b.Registrations)
	ib.registrations("reg-updates", b.RegUpdates)
	for i, a := range b.AsyncResponses {
		ib.asyncResponse(i, a)
	}
	for i, n := range b.Notifications {
		ib.notification(i, n)
	}
	ib.deregistrations("de-registrations", b.DeRegistrations)
	ib.deregistrations("registrations-expired", b.RegistrationsExpired)
	return ib.items, errors.Join(ib.problems...)
}

func (ib *itemBuilder) problem(field, reason string) {
	ib.problems = append(ib.problems, domain.InvalidError{Field: field, Reason: reason})
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

func (ib *itemBuilder) asyncResponse(i int, a channelAsyncResponse) {
	field := fmt.Sprintf("async-responses[%d]", i)
	if a.ID == "" {
		ib.problem(field+".id", "is required")
	}
	ib.decoded(field+".payload", a.Payload)
	// An async id this service did not make names no device: the command
	// refuses it, and it is logged.
	_, device, _ := domain.ParseAsyncID(a.ID)
	c := commands.HandleAsyncResponse{Meta: ib.meta, AsyncID: a.ID, Status: a.Status, Error: a.Error}
	ib.items = append(ib.items, connectorItem{list: "async-responses", index: i, device: device,
		what: fmt.Sprintf("id=%s status=%d", a.ID, a.Status),
		run:  func(ctx context.Context) error { _, err := ib.side.HandleAsyncResponse(ctx, c); return err }})
}

func (ib *itemBuilder) notification(i int, n channelNotification) {
	field := fmt.Sprintf("notifications[%d]", i)
	device := ib.device(field+".ep", n.EP)
	if !strings.HasPrefix(n.Path, "/") {
		ib.problem(field+".path", fmt.Sprintf("%q is not a resource path", n.Path))
	}
	c := commands.HandleDeviceNotification{Meta: ib.meta, DeviceID: device, Path: n.Path, Payload: ib.decoded(field+".payload", n.Payload)}
	ib.items = append(ib.items, connectorItem{list: "notifications", index: i, device: device,
		what: fmt.Sprintf("%s=%q", n.Path, c.Payload),
		run:  func(ctx context.Context) error { _, err := ib.side.HandleDeviceNotification(ctx, c); return err }})
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
