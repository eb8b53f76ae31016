package domain

import (
	"fmt"
	"time"
)

// Device rules (stream device-<account>-<id>):
//
//  1. A device joins its account's catalog by registering, and may register
//     again after it deregistered. Registering a registered device with the
//     same attributes records nothing, as the connector repeats
//     registrations; with other attributes it records them as a catalog
//     update, because a device re-registers with new resources after a
//     firmware change and refusing would lose that fact.
//  2. Catalog attributes, reported resources and the subscription change
//     only on a registered device; setting the values it already has
//     records nothing. A resource report leaving a value empty did not
//     report it, and the catalog keeps its own.
//  3. Deregistering first moves the device's active update, if any, and
//     its queued ones (rule 10) to deregistered; deregistering a
//     deregistered device records nothing.
//  4. A device is in at most one active campaign: the one whose update is
//     not terminal. Enrolling in another is a conflict; enrolling a
//     deregistered device is refused; enrolling again in a campaign the
//     device already has an update in records nothing, because a device's
//     update in a campaign happens once and a redelivered enrollment must
//     not restart it.
//  5. A device of a campaign's filter that is not enrolled is skipped with a
//     reason; skipping it again records nothing; a device enrolled in the
//     campaign is not skipped.
//  6. An update moves only along updateTransitions. A move to the state it
//     is in is a repeated report and records nothing, even in a terminal
//     state, so redelivered final reports are harmless; any other move from
//     a terminal state is refused. Reaching a terminal state ends the
//     device's active campaign. A move to failed carries a non-zero result
//     code.
//  7. Cancelling the device's update in one campaign (Campaigner's cancel of
//     a device) moves an update not handed on yet (pending, awaiting
//     consent, accepted) to cancelled; one under way (scheduled to
//     installing) is asked to be cancelled, once: the engine
//     cancels it where it was assigned and moves to cancelled what the
//     assignment's owner confirms. A terminal update is over and records
//     nothing, so a cancel that races the device's final report leaves
//     that report standing. A device without an update in the campaign is
//     not found.
//  8. In a campaign that requires consent (Campaigner's approvalNeeded) an
//     enrolled update waits in awaiting_consent, neither sent nor assigned,
//     until the device's user accepts it: only AcceptUpdate moves it on,
//     to accepted, and nothing else implies consent. Accepting an update
//     that was accepted before records nothing, wherever it went since
//     (a repeated consent); accepting one that is not awaiting consent is
//     refused (NotAwaitingConsentError), and a device without an update
//     in the campaign is not found.
//  9. An update that failed, failed in the connector channel or timed out
//     is tried again (RetryUpdate) when the campaign's retry policy says
//     so and its backoff has passed: it moves back to pending, as the
//     update's next attempt, and the campaign is the device's active one
//     again. A deregistered device, or one in another active campaign
//     meanwhile, is not retried: its update stays as it ended.
//  10. A campaign whose conflict policy is queue enrols a device another
//     campaign holds in queued: not its active campaign, nothing sent.
//     Once the device is free, ReleaseQueued moves the update to pending
//     and makes the campaign active; while it is held the release is a
//     conflict. Deregistering ends queued updates as deregistered too.
//     A campaign whose policy is supersede cancels the other campaign's
//     update ("superseded by campaign <id>") and enrols the device, in
//     one append.
type Device struct {
	root
	account        AccountID
	id             DeviceID
	state          DeviceState
	attrs          DeviceAttributes
	subscribed     bool
	updates        map[CampaignID]DeviceUpdate
	active         CampaignID
	registeredAt   time.Time
	deregisteredAt time.Time
	updatedAt      time.Time
}

// DeviceUpdate is a device's update in one campaign, as the campaign-device
// metadata reports it.
type DeviceUpdate struct {
	Campaign   CampaignID
	Manifest   ManifestID
	State      UpdateState
	SkipReason SkipReason
	ResultCode int
	// FailureCode is a failure's code as text (see UpdateChange).
	FailureCode string
	Reason      string
	// CancelRequested says a user asked to cancel the update while it was
	// under way (rule 7).
	CancelRequested bool
	// Accepted says the device's user accepted the update (rule 8).
	Accepted bool
	// Attempts counts the update's attempts: 1 from its enrolment, one
	// more per retry (rule 9).
	Attempts int
	// Wave is the rollout wave the device was started in; 0: none.
	Wave      int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// LoadDevice rebuilds a device from its stream's events. An empty history
// gives a device that is not in the catalog: only Register accepts it.
func LoadDevice(history []Event) (*Device, error) {
	d := &Device{}
	if err := d.load(d.apply, history); err != nil {
		return nil, fmt.Errorf("domain.LoadDevice: %w", err)
	}
	return d, nil
}

// record applies e and keeps it for appending.
func (d *Device) record(e Event) error { return d.recordWith(d.apply, e) }

// known refuses behaviours on a device that never registered.
func (d *Device) known() error {
	if d.id == "" {
		return NotFoundError{Object: "device", ID: string(d.id)}
	}
	return nil
}

// registered refuses behaviours that need a registered device (rule 2); to
// names what the behaviour would have done.
func (d *Device) registered(to string) error {
	if err := d.known(); err != nil {
		return err
	}
	if d.state != DeviceRegisteredState {
		return InvalidTransitionError{Object: "device", From: string(d.state), To: to}
	}
	return nil
}

// apply changes the device's state by one recorded event.
func (d *Device) apply(e Event) error {
	if _, reg := e.(DeviceRegistered); !reg && d.id == "" && e != nil {
		return fmt.Errorf("device: cannot apply %s before DeviceRegistered", e.Name())
	}
	switch e := e.(type) {
	case DeviceRegistered:
		d.account, d.id, d.state = e.AccountID, e.DeviceID, DeviceRegisteredState
		d.attrs, d.registeredAt, d.updatedAt = attributesOfRegistered(e), e.At, e.At
	case DeviceUpdated:
		d.attrs, d.updatedAt = attributesOfUpdated(e), e.At
	case DeviceDeregistered:
		d.state, d.deregisteredAt, d.updatedAt = DeviceDeregisteredState, e.At, e.At
	case DeviceResourcesReported:
		d.setResources(DeviceResources{DeviceClass: e.DeviceClass, Vendor: e.Vendor, FirmwareHash: e.FirmwareHash})
		d.updatedAt = e.At
	case DeviceSubscriptionChanged:
		d.subscribed, d.updatedAt = e.Subscribed, e.At
	case DeviceEnrolled:
		d.setUpdate(DeviceUpdate{Campaign: e.CampaignID, Manifest: e.ManifestID, State: e.State(), Attempts: 1, CreatedAt: e.At, UpdatedAt: e.At})
		if !e.Queued {
			d.active = e.CampaignID
		}
	case DeviceSkipped:
		d.setUpdate(DeviceUpdate{Campaign: e.CampaignID, State: UpdateSkipped, SkipReason: e.Reason, CreatedAt: e.At, UpdatedAt: e.At})
	case DeviceUpdateStateChanged:
		return d.applyUpdateChange(e)
	case DeviceUpdateCancelRequested:
		u, ok := d.updates[e.CampaignID]
		if !ok {
			return fmt.Errorf("device: DeviceUpdateCancelRequested for campaign %s, which the device is not in", e.CampaignID)
		}
		u.CancelRequested = true
		d.setUpdate(u)
	default:
		return unknownEvent("device", e)
	}
	return nil
}

// setUpdate stores the device's update in one campaign.
func (d *Device) setUpdate(u DeviceUpdate) {
	if d.updates == nil {
		d.updates = map[CampaignID]DeviceUpdate{}
	}
	d.updates[u.Campaign] = u
}

// applyUpdateChange moves an update to its new state and ends the active
// campaign when that state is terminal (rule 6).
func (d *Device) applyUpdateChange(e DeviceUpdateStateChanged) error {
	u, ok := d.updates[e.CampaignID]
	if !ok {
		return fmt.Errorf("device: DeviceUpdateStateChanged for campaign %s, which the device is not in", e.CampaignID)
	}
	u.State, u.ResultCode, u.FailureCode, u.Reason, u.UpdatedAt = e.To, e.ResultCode, e.FailureCode, e.Reason, e.At
	u.Accepted = u.Accepted || e.To == UpdateAccepted
	if e.Attempt > 0 {
		u.Attempts = e.Attempt
	}
	if e.Attempt > 0 || e.From == UpdateQueued && e.To == UpdatePending {
		d.active = e.CampaignID // a retry or a release makes the campaign active (rules 9, 10)
	}
	u.Wave = max(u.Wave, e.Wave)
	d.setUpdate(u)
	if e.To.Terminal() && d.active == e.CampaignID {
		d.active = ""
	}
	return nil
}
