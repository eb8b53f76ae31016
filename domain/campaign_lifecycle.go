package domain

import (
	"fmt"
	"time"
)

// RequestStart starts a draft campaign (rule 3): it then awaits approval,
// waits for its time, or begins its start pipeline at once.
func (c *Campaign) RequestStart(now time.Time) error {
	const op = "campaign.RequestStart"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	if c.phase != PhaseDraft {
		return wrap(op, c.refuse("started"))
	}
	next := PhaseAwaitingApproval
	if !c.settings.approvalRequired {
		next = c.startPhase(now)
	}
	return wrap(op, c.record(CampaignStartRequested{Phase: next, At: now}))
}

// Approve lets a campaign awaiting approval go on to timed or starting by
// its `when` (rule 3).
func (c *Campaign) Approve(now time.Time) error {
	const op = "campaign.Approve"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	if c.phase != PhaseAwaitingApproval {
		return wrap(op, c.refuse("approved"))
	}
	return wrap(op, c.record(CampaignApproved{Phase: c.startPhase(now), At: now}))
}

// startPhase is where a start or an approval at now leads (rule 3).
func (c *Campaign) startPhase(now time.Time) Phase {
	if c.settings.when.After(now) {
		return PhaseTimed
	}
	return PhaseStarting
}

// BeginTimedStart moves a timed campaign whose time has come to starting
// (rule 3). Before its time it refuses with an InvalidError on `when`: the
// campaign manager polls again later, so the refusal needs no retry.
func (c *Campaign) BeginTimedStart(now time.Time) error {
	const op = "campaign.BeginTimedStart"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	if c.phase != PhaseTimed {
		return wrap(op, c.refuse("starting"))
	}
	if c.settings.when.After(now) {
		return wrap(op, InvalidError{Field: "when", Reason: fmt.Sprintf("the campaign starts at %s, not before", c.settings.when.Format(time.RFC3339))})
	}
	return wrap(op, c.record(CampaignStarting{At: now}))
}

// RequestStop stops the campaign for reason: userstopped for a user's stop;
// expired, conflict or manifestremoved for the engine's (rule 7).
func (c *Campaign) RequestStop(reason State, now time.Time) error {
	const op = "campaign.RequestStop"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	if !reason.StopReason() {
		return wrap(op, InvalidError{Field: "reason", Reason: fmt.Sprintf("%q is not a reason to stop a campaign", reason)})
	}
	return wrap(op, c.stop(reason, now, c.refuse("stopping")))
}

// RemoveManifest stops the campaign because its manifest was deleted
// (rule 8). Campaigns with nothing to stop record nothing, so the handler
// can send this to every campaign using the manifest.
func (c *Campaign) RemoveManifest(now time.Time) error {
	const op = "campaign.RemoveManifest"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	return wrap(op, c.stop(StateManifestRemoved, now, nil))
}

// stop moves the campaign towards stopped for reason (rule 7). notRunning
// is returned where there is nothing to stop: draft, stopped, archived.
func (c *Campaign) stop(reason State, now time.Time, notRunning error) error {
	switch c.phase {
	case PhaseAwaitingApproval, PhaseTimed:
		return c.record(CampaignStopped{State: reason, At: now})
	case PhaseStarting, PhaseActive:
		return c.record(CampaignStopRequested{Reason: reason, At: now})
	case PhaseStopping:
		return nil
	case PhaseDraft, PhaseStopped, PhaseArchived, PhaseDeleted:
		return notRunning
	}
	return notRunning
}

// CompleteStop ends a stopping campaign with its final state (rule 7): one
// of userstopped, manifestremoved, expired, conflict, autostopped, deployed
// or quotaallocationfailed.
func (c *Campaign) CompleteStop(final State, now time.Time) error {
	const op = "campaign.CompleteStop"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	if !final.Final() {
		return wrap(op, InvalidError{Field: "state", Reason: fmt.Sprintf("%q is not a final campaign state", final)})
	}
	if c.phase != PhaseStopping {
		return wrap(op, c.refuse("stopped"))
	}
	return wrap(op, c.record(CampaignStopped{State: final, At: now}))
}

// Archive archives a stopped campaign (rule 9).
func (c *Campaign) Archive(now time.Time) error {
	const op = "campaign.Archive"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	if c.phase != PhaseStopped {
		return wrap(op, c.refuse("archived"))
	}
	return wrap(op, c.record(CampaignArchived{At: now}))
}

// Delete deletes a draft, stopped or archived campaign (rule 10).
func (c *Campaign) Delete(now time.Time) error {
	const op = "campaign.Delete"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	switch c.phase {
	case PhaseDraft, PhaseStopped, PhaseArchived:
		return wrap(op, c.record(CampaignDeleted{At: now}))
	case PhaseAwaitingApproval, PhaseTimed, PhaseStarting, PhaseActive, PhaseStopping, PhaseDeleted:
	}
	return wrap(op, c.refuse("deleted"))
}
