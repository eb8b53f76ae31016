package domain

import (
	"fmt"
	"slices"
	"time"
)

// retriedFrom are the endings of an update a retry policy may try again.
var retriedFrom = []UpdateState{UpdateFailed, UpdateFailedConnectorChannelUpdate, UpdateTimedOut}

// RetriedFrom lists the update states a retry moves back to pending: the
// engine looks for retries among them.
func RetriedFrom() []UpdateState { return append([]UpdateState(nil), retriedFrom...) }

// RetryUpdate moves the device's failed or timed-out update in campaign
// back to pending for its next attempt, when policy retries it and its
// backoff has passed by now (rule 9). An update that is not in a retried
// state (pending again already, or deployed) is refused with an
// InvalidTransitionError, so a repeated retry records nothing twice. The
// retry carries the update's wave: the wave no longer counts the failure.
func (d *Device) RetryUpdate(campaign CampaignID, policy *RetryPolicy, now time.Time) error {
	const op = "device.RetryUpdate"
	if err := d.known(); err != nil {
		return wrap(op, err)
	}
	u, ok := d.updates[campaign]
	if !ok {
		return wrap(op, NotFoundError{Object: "device update", ID: string(d.id) + " in campaign " + string(campaign)})
	}
	if !slices.Contains(retriedFrom, u.State) {
		return wrap(op, InvalidTransitionError{Object: "device update", From: string(u.State), To: string(UpdatePending)})
	}
	if err := d.registered("retried"); err != nil {
		return wrap(op, err)
	}
	if d.active != "" {
		return wrap(op, ConflictError{Reason: fmt.Sprintf("device %s is in active campaign %s", d.id, d.active)})
	}
	due, retried := policy.Retries(u.State, u.ResultCode, u.FailureCode, u.Attempts, u.UpdatedAt)
	if !retried {
		return wrap(op, ConflictError{Reason: fmt.Sprintf("the retry policy does not retry device %s after attempt %d", d.id, u.Attempts)})
	}
	if now.Before(due) {
		return wrap(op, ConflictError{Reason: fmt.Sprintf("device %s is retried at %s, not before", d.id, due.Format(time.RFC3339))})
	}
	return wrap(op, d.record(DeviceUpdateStateChanged{CampaignID: campaign, From: u.State, To: UpdatePending,
		Reason: fmt.Sprintf("retry: attempt %d of %d", u.Attempts+1, policy.MaxAttempts), Attempt: u.Attempts + 1, Wave: u.Wave, At: now}))
}
