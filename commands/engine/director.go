package engine

import (
	"context"
	"slices"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// UpdateAssigner is the Director (adapters/ota's *Director): it assigns a
// Campaigner campaign's update to devices, and cancels the assignments of
// a stopping one. An error that is not the context's is the Director's
// failure, after the client's own retries.
type UpdateAssigner interface {
	// Assign assigns update (its source id, Campaigner's mtuId) to devices
	// and returns those it affects: a device in a running assignment, or
	// whose hardware the update does not fit, is not.
	Assign(ctx context.Context, account domain.AccountID, correlationID, update string, devices []domain.DeviceID, dryRun bool) ([]domain.DeviceID, error)
	// Cancel cancels the devices' running assignments and returns those it
	// cancelled; a device already updating is not.
	Cancel(ctx context.Context, account domain.AccountID, devices []domain.DeviceID) ([]domain.DeviceID, error)
}

// AssignFailed is the failure code of devices whose assignment the
// Director failed, as Campaigner recorded it.
const AssignFailed = "ASSIGN_UPDATE_FAILED"

// NoLongerAffected is the failure code of an accepted device that the
// Director, asked to assign it, no longer finds affected, as Campaigner
// recorded it.
const NoLongerAffected = "DEVICE_UPDATE_PROCESS_FAILED"

// CorrelationID is the Director's correlation id of a campaign's
// assignments, as Campaigner named it.
func CorrelationID(id domain.CampaignID) string { return "urn:here-ota:campaign:" + string(id) }

// The reasons the Director path records.
const (
	reasonAssigning   = "assigning in the Director"
	reasonAssigned    = "assigned in the Director"
	reasonNotAffected = "not affected: the Director did not assign the update"
	reasonNoLonger    = "accepted, but not affected any more: the Director did not assign the update"
	reasonAssignAgain = "not affected when assigned again: the first assignment may have taken; awaiting reports"
	reasonAssignFail  = "the Director failed the assignment"
	reasonCancelled   = "assignment cancelled in the Director"
)

// director returns the update source id the Director assigns for the
// campaign, "" when its devices go through the send-manifest queue: no
// Director is configured, or the campaign has no update (not made through
// /api/v2).
func (d *driver) director(ctx context.Context, cp *domain.Campaign) (string, error) {
	if d.e.cfg.Director == nil || cp.UpdateID() == "" {
		return "", nil
	}
	if d.mtu == "" {
		u, err := d.e.cmds.Update(ctx, d.account, cp.UpdateID())
		if err != nil {
			return "", err
		}
		d.mtu = u.Spec().SourceID
	}
	return d.mtu, nil
}

// assign assigns the update to devices in state from (pending, or
// accepted by their users) in the Director. The page is recorded
// scheduled first: a restart between the Director's answer and its record
// then finds the page scheduled, and reassign settles it. A pending device
// the Director does not affect is rejected; an accepted one fails with
// NoLongerAffected, as it was found affected when it awaited consent.
func (d *driver) assign(ctx context.Context, devices []domain.DeviceID, from domain.UpdateState) error {
	res, page, err := d.e.cmds.ChangeDeviceStates(ctx, commands.ChangeDeviceStates{Meta: d.meta("assigning", d.e.now().UnixNano()), CampaignID: d.id,
		Devices: devices, From: []domain.UpdateState{from},
		Change: domain.UpdateChange{To: domain.UpdateScheduled, Reason: reasonAssigning, Wave: d.wave}})
	if err != nil {
		return err
	}
	d.wrote(res)
	if len(page) == 0 {
		return nil
	}
	notAffected := domain.UpdateChange{To: domain.UpdateRejected, Reason: reasonNotAffected}
	if from == domain.UpdateAccepted {
		notAffected = domain.UpdateChange{To: domain.UpdateFailed, FailureCode: NoLongerAffected, Reason: reasonNoLonger}
	}
	return d.assignScheduled(ctx, page, notAffected)
}

// reassign assigns again devices left scheduled: their assignment may or
// may not have been made. The Director answers a device in a running
// assignment (the first one's) as not affected, so such a device is not
// rejected but kept assigned: its reports bring its outcome, or it times
// out.
func (d *driver) reassign(ctx context.Context, devices []domain.DeviceID) error {
	return d.assignScheduled(ctx, devices, domain.UpdateChange{To: domain.UpdateUpdatedConnectorChannel, Reason: reasonAssignAgain})
}

// assignScheduled asks the Director to assign the update to scheduled
// devices and records its answer: those it affects are assigned
// (updated_connector_channel, Campaigner's accepted), the others move to
// notAffected; all fail with AssignFailed when the Director fails.
func (d *driver) assignScheduled(ctx context.Context, devices []domain.DeviceID, notAffected domain.UpdateChange) error {
	affected, err := d.e.cfg.Director.Assign(ctx, d.account, CorrelationID(d.id), d.mtu, devices, false)
	if ctx.Err() != nil {
		return ctx.Err() // stopped: the devices stay scheduled for the stop or the next engine
	}
	scheduled := []domain.UpdateState{domain.UpdateScheduled}
	if err != nil {
		d.e.cfg.Logger.Warn("engine: the Director failed an assignment", "campaign", d.id, "devices", len(devices), "error", err)
		return d.changeDevices(ctx, "assign-failed", devices, scheduled,
			domain.UpdateChange{To: domain.UpdateFailed, FailureCode: AssignFailed, Reason: reasonAssignFail})
	}
	in, rest := split(devices, affected)
	assigned := domain.UpdateChange{To: domain.UpdateUpdatedConnectorChannel, Reason: reasonAssigned}
	if err := d.changeDevices(ctx, "assigned", in, scheduled, assigned); err != nil {
		return err
	}
	return d.changeDevices(ctx, "not-affected", rest, scheduled, notAffected)
}

// split parts devices into those the Director's answer names and the
// others: the answer names only devices asked about.
func split(devices, affected []domain.DeviceID) (in, rest []domain.DeviceID) {
	for _, id := range devices {
		if slices.Contains(affected, id) {
			in = append(in, id)
		} else {
			rest = append(rest, id)
		}
	}
	return in, rest
}

// changeDevices moves those of devices in one of from, if any, and waits
// for the read models to show it. Like assign's, its command's id names
// the step's time: a retried device (retry.go) goes through the same
// steps again, in other commands.
func (d *driver) changeDevices(ctx context.Context, step string, devices []domain.DeviceID, from []domain.UpdateState, change domain.UpdateChange) error {
	if len(devices) == 0 {
		return nil
	}
	res, _, err := d.e.cmds.ChangeDeviceStates(ctx, commands.ChangeDeviceStates{Meta: d.meta(step, d.e.now().UnixNano()), CampaignID: d.id,
		Devices: devices, From: from, Change: change})
	if err != nil {
		return err
	}
	d.wrote(res)
	return d.e.waitFor(ctx, res.Position)
}

// cancelInDirector cancels the assignments of the campaign's assigned
// devices in the Director and records those it confirms cancelled; the
// stop path then ends the others as it ends any open device.
func (d *driver) cancelInDirector(ctx context.Context, cp *domain.Campaign) error {
	if mtu, err := d.director(ctx, cp); mtu == "" || err != nil {
		return err
	}
	var after domain.DeviceID
	for {
		page, err := d.e.reads.CampaignDevicesInStates(ctx, d.id, inFlight, after, d.e.cfg.BatchSize)
		if err != nil || len(page) == 0 {
			return err
		}
		cancelled, err := d.e.cfg.Director.Cancel(ctx, d.account, page)
		if err != nil {
			return err
		}
		if err := d.changeDevices(ctx, "director-cancel", cancelled, inFlight,
			domain.UpdateChange{To: domain.UpdateCancelled, Reason: reasonCancelled}); err != nil {
			return err
		}
		after = page[len(page)-1]
	}
}
