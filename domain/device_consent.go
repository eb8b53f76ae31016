package domain

import (
	"fmt"
	"time"
)

// NotAwaitingConsentError refuses to accept an update that is not awaiting
// its user's consent (Device rule 8): the campaign does not require
// consent, the engine has not reached the device yet, or the update ended.
type NotAwaitingConsentError struct {
	Device   DeviceID
	Campaign CampaignID
	State    UpdateState
}

func (e NotAwaitingConsentError) Error() string {
	return fmt.Sprintf("device %s is not awaiting consent in campaign %s: its update is %s", e.Device, e.Campaign, e.State)
}

// Kind reports KindConflict: the request is well-formed but the update's
// state refuses it.
func (NotAwaitingConsentError) Kind() Kind { return KindConflict }

// AcceptUpdate records the user's consent to the device's update in
// campaign (rule 8): an update awaiting consent moves to accepted, for the
// engine to send or assign.
func (d *Device) AcceptUpdate(campaign CampaignID, reason string, now time.Time) error {
	const op = "device.AcceptUpdate"
	if err := d.known(); err != nil {
		return wrap(op, err)
	}
	u, ok := d.updates[campaign]
	switch {
	case !ok:
		return wrap(op, NotFoundError{Object: "device update", ID: string(d.id) + " in campaign " + string(campaign)})
	case u.Accepted:
		return nil
	case u.State != UpdateAwaitingConsent:
		return wrap(op, NotAwaitingConsentError{Device: d.id, Campaign: campaign, State: u.State})
	}
	if err := textProblem("reason", reason, 2000, freeText); err != nil {
		return wrap(op, err)
	}
	return wrap(op, d.changeUpdateState(campaign, UpdateChange{To: UpdateAccepted, Reason: reason}, now))
}
