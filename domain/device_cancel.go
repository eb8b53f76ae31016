package domain

import "time"

// CancelUpdate cancels the device's update in campaign for reason (rule 7):
// a pending update moves to cancelled; one under way records the request,
// once; a terminal one records nothing.
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
	case u.State != UpdatePending:
		return wrap(op, d.record(DeviceUpdateCancelRequested{CampaignID: campaign, Reason: reason, At: now}))
	}
	return d.ChangeUpdateState(campaign, UpdateChange{To: UpdateCancelled, Reason: reason}, now)
}
