package domain

import "time"

// CancelUpdate cancels the device's update in campaign for reason (rule 7):
// an unfinished update moves to cancelled; a terminal one records nothing.
func (d *Device) CancelUpdate(campaign CampaignID, reason string, now time.Time) error {
	const op = "device.CancelUpdate"
	if err := d.known(); err != nil {
		return wrap(op, err)
	}
	u, ok := d.updates[campaign]
	if !ok {
		return wrap(op, NotFoundError{Object: "device update", ID: string(d.id) + " in campaign " + string(campaign)})
	}
	if u.State.Terminal() {
		return nil
	}
	return d.ChangeUpdateState(campaign, UpdateChange{To: UpdateCancelled, Reason: reason}, now)
}
