package domain

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// updateAborts are the states any unfinished update may end in, whatever
// step it is at.
var updateAborts = []UpdateState{UpdateFailed, UpdateTimedOut, UpdateCancelled, UpdateManifestRemoved, UpdateDeregistered}

// updateTransitions lists, for each state an update can leave, the states
// it may move to (rule 6). Terminal states have no entry. The happy path
// may skip forward once the manifest is delivered, because the device's
// notifications of intermediate steps can be lost or coalesced; it never
// goes back. skipped is reached only through Skip, with its reason. A
// scheduled update may still be rejected: the Director, asked to assign
// an update recorded as scheduled, answers that it does not affect the
// device. An update awaiting consent moves on only to accepted (rule 8),
// an accepted one to its send or assignment, scheduled. A queued update
// waits for the device to be free (rule 10): it moves on to pending, or
// ends without having started.
var updateTransitions = map[UpdateState][]UpdateState{
	UpdateQueued:                  {UpdatePending, UpdateCancelled, UpdateManifestRemoved, UpdateDeregistered},
	UpdatePending:                 append([]UpdateState{UpdateAwaitingConsent, UpdateScheduled, UpdateRejected}, updateAborts...),
	UpdateAwaitingConsent:         append([]UpdateState{UpdateAccepted}, updateAborts...),
	UpdateAccepted:                append([]UpdateState{UpdateScheduled}, updateAborts...),
	UpdateScheduled:               append([]UpdateState{UpdateUpdatedConnectorChannel, UpdateFailedConnectorChannelUpdate, UpdateRejected}, updateAborts...),
	UpdateUpdatedConnectorChannel: append([]UpdateState{UpdateDownloading, UpdateInstalling, UpdateDeployed}, updateAborts...),
	UpdateDownloading:             append([]UpdateState{UpdateInstalling, UpdateDeployed}, updateAborts...),
	UpdateInstalling:              append([]UpdateState{UpdateDeployed}, updateAborts...),
}

// CanChangeTo reports whether an update in state s may move to state to
// (rule 6 of Device). A move to the same state is not a change.
func (s UpdateState) CanChangeTo(to UpdateState) bool {
	return slices.Contains(updateTransitions[s], to)
}

// UpdateChange is a step of a device's update reported for one campaign.
type UpdateChange struct {
	// To is the state the update moves to.
	To UpdateState
	// ResultCode is the device's numeric update result; a failure carries
	// it or a FailureCode.
	ResultCode int
	// FailureCode is a failure's code as text, for the systems whose
	// codes are not numbers (Campaigner's Director: "INSTALL_FAILED").
	FailureCode string
	// Reason explains the change for people reading the history.
	Reason string
	// AsyncID is the device connector's id of the request answered, if any.
	AsyncID string
	// Wave is the rollout wave the device is started in, set on the change
	// that schedules it (0: no wave); the update keeps the first it gets.
	Wave int
}

// Enroll adds the device to a campaign delivering manifest (rule 4).
func (d *Device) Enroll(campaign CampaignID, manifest ManifestID, now time.Time) error {
	const op = "device.Enroll"
	if err := d.known(); err != nil {
		return wrap(op, err)
	}
	if err := errors.Join(campaign.Validate(), manifest.Validate()); err != nil {
		return wrap(op, err)
	}
	if _, ok := d.updates[campaign]; ok {
		return nil
	}
	if err := d.registered("enrolled"); err != nil {
		return wrap(op, err)
	}
	if d.active != "" {
		return wrap(op, ConflictError{Reason: fmt.Sprintf("device %s is in active campaign %s", d.id, d.active)})
	}
	return wrap(op, d.record(DeviceEnrolled{CampaignID: campaign, ManifestID: manifest, At: now}))
}

// Skip records that the device matched a campaign's filter but is not
// enrolled, and why (rule 5).
func (d *Device) Skip(campaign CampaignID, reason SkipReason, now time.Time) error {
	const op = "device.Skip"
	if err := d.known(); err != nil {
		return wrap(op, err)
	}
	if err := campaign.Validate(); err != nil {
		return wrap(op, err)
	}
	if _, err := ParseSkipReason(string(reason)); err != nil {
		return wrap(op, err)
	}
	if u, ok := d.updates[campaign]; ok {
		if u.State == UpdateSkipped {
			return nil
		}
		return wrap(op, InvalidTransitionError{Object: "device update", From: string(u.State), To: string(UpdateSkipped)})
	}
	return wrap(op, d.record(DeviceSkipped{CampaignID: campaign, Reason: reason, At: now}))
}

// ChangeUpdateState moves the device's update in campaign to another state
// (rule 6).
func (d *Device) ChangeUpdateState(campaign CampaignID, change UpdateChange, now time.Time) error {
	const op = "device.ChangeUpdateState"
	if err := d.known(); err != nil {
		return wrap(op, err)
	}
	if err := change.validate(); err != nil {
		return wrap(op, err)
	}
	if change.To == UpdateAccepted {
		return wrap(op, InvalidError{Field: "state", Reason: "only the device's user accepts an update (rule 8)"})
	}
	return wrap(op, d.changeUpdateState(campaign, change, now))
}

// changeUpdateState records a valid change along updateTransitions.
func (d *Device) changeUpdateState(campaign CampaignID, change UpdateChange, now time.Time) error {
	u, ok := d.updates[campaign]
	if !ok {
		return NotFoundError{Object: "device update", ID: string(d.id) + " in campaign " + string(campaign)}
	}
	if change.To == u.State {
		return nil
	}
	if !u.State.CanChangeTo(change.To) {
		return InvalidTransitionError{Object: "device update", From: string(u.State), To: string(change.To)}
	}
	wave := u.Wave
	if wave == 0 {
		wave = change.Wave
	}
	return d.record(DeviceUpdateStateChanged{CampaignID: campaign, From: u.State, To: change.To,
		ResultCode: change.ResultCode, FailureCode: change.FailureCode, Reason: change.Reason, AsyncID: change.AsyncID,
		Wave: wave, At: now})
}

// validate checks the target state and that a failure carries its code.
func (c UpdateChange) validate() error {
	if _, err := ParseUpdateState(string(c.To)); err != nil {
		return err
	}
	if err := failureCodeProblem(c.To, c.ResultCode, c.FailureCode); err != nil {
		return err
	}
	return textProblem("reason", c.Reason, 2000, freeText)
}

// MissingErrorCode is Campaigner's failure code of a failure reported
// without one.
const MissingErrorCode = "MISSING_ERROR_CODE"

// failureCodeProblem checks that a failure carries a numeric or a text
// code (only a failure carries a text one), and that the text is one line
// the read models can store.
func failureCodeProblem(to UpdateState, result int, failure string) error {
	switch {
	case to == UpdateFailed && result == 0 && failure == "":
		return InvalidError{Field: "result_code", Reason: "a failed update carries the device's non-zero result code or a failure code"}
	case to != UpdateFailed && failure != "":
		return InvalidError{Field: "failure_code", Reason: "only a failed update carries a failure code"}
	}
	return textProblem("failure_code", failure, 200, oneLine)
}
