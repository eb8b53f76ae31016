package domain

import "time"

// CancelUpdate cancels the device's update in campaign for reason (rule 7):
// an update not handed on yet (pending, awaiting consent, accepted) moves
// to cancelled; one under way records the request, once; a terminal one
// records nothing.
func (d *Device) CancelUpdate(campaign CampaignID, reason string, now time.Time) error {
	const op = "device.CancelUpdate"
	if err := d.known(); err != nil {
		return wrap(op, err)
	}
	u, ok := d.updates[campaign]
	if !ok {
		return wrap(op, NotFoundError{Object: "device update", ID: string(d.id) + " in campaign " + string(campaign)})
	}
	switch {
	case u.State.Terminal() || u.CancelRequested:
		return nil
	case !notHandedOn(u.State):
		return wrap(op, d.record(DeviceUpdateCancelRequested{CampaignID: campaign, Reason: reason, At: now}))
	}
	return d.ChangeUpdateState(campaign, UpdateChange{To: UpdateCancelled, Reason: reason}, now)
}

// notHandedOn reports whether an update in state s has not been handed to
// a connector or a Director: nobody but us holds it, so a cancel needs
// nobody's confirmation.
func notHandedOn(s UpdateState) bool {
	return s == UpdatePending || s == UpdateAwaitingConsent || s == UpdateAccepted
}
