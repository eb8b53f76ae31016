package domain

import (
	"errors"
	"fmt"
	"time"
)

// Campaign rules (stream campaign-<id>):
//
//  1. A campaign is created in draft with a name of 1–128 characters, a
//     description of at most 2,000, a valid manifest id, a non-empty device
//     filter, strategy one-shot (default) or continuous, autostop (default
//     true) and autostop_success_percent 0–100 (default 100).
//  2. In draft every field can be edited; in every later phase but deleted
//     only name, description and metadata: an edit changing anything else is invalid.
//     An edit that changes nothing records nothing.
//  3. Only a draft starts. A start goes to awaiting_approval when approval is
//     required; otherwise to timed (state scheduled) when `when` is after now,
//     else to starting (state allocatingquota). Approval leads on by the same
//     `when` rule. A timed campaign begins starting once `when` <= now.
//  4. The start pipeline runs in phase starting, one step at a time:
//     allocatingquota → allocatedquota (or quotaallocationfailed, which stops
//     the campaign) → checkedmanifest → device batches → publishing; then
//     phase active, state deploying. A step is refused from any other state.
//  5. Device batches are numbered 1, 2, 3…; enrolled and skipped devices are
//     totalled. A batch already recorded is a redelivery and records nothing;
//     a gap is a conflict, as the missing batch may still arrive. A batch
//     that is not the last leaves the state devicecopy (devices are being
//     copied into the campaign); the last leaves devicecheck and closes the
//     list, as the campaigns read model shows them.
//  6. An active campaign finishes as deployed or autostopped.
//  7. A stop (a user's, or the engine's when the campaign expired, is in
//     conflict or lost its manifest) of a campaign awaiting approval or timed
//     stops it at once: nothing was allocated or enrolled yet. From starting
//     or active it goes to stopping, and the engine, once it has released
//     what the campaign held, completes the stop with a final state. Asking
//     again while stopping records nothing.
//  8. A deleted manifest stops, as manifestremoved, every campaign using it
//     that rule 7 can stop; a draft, stopping or stopped campaign is left as
//     it is (a draft's manifest check refuses it when it starts).
//  9. A stopped campaign is never restarted; it can only be archived.
//  10. A draft, stopped or archived campaign is deleted, as Pelion allowed:
//     none holds devices. A deleted campaign answers every behaviour as not
//     found, as the API does.
//  11. A campaign made through Campaigner's API also has an update, device
//     groups, metadata and a consent setting, and may retry another
//     campaign's failures, and is cancelled Campaigner's way: rules 11–15
//     are in campaign_campaigner.go.
//  16. Rollouts — a policy of waves, rate, abort rules, retries and
//     conflicts, and pause and resume: rules 16–21 are in
//     campaign_rollout.go.
type Campaign struct {
	root
	id                CampaignID
	account           AccountID
	settings          campaignSettings
	phase             Phase
	state             State
	stopReason        State
	manifestTimestamp time.Time
	batches           int
	enrolled          int
	skipped           map[SkipReason]int
	cursor            string
	createdAt         time.Time
	updatedAt         time.Time
	startedAt         time.Time
	startingAt        time.Time
	activeAt          time.Time
	stoppingAt        time.Time
	stoppedAt         time.Time
	archivedAt        time.Time
	ro                rollout
}

// NewCampaign creates a campaign in draft (rule 1). The handler appends its
// one change with NoStream, so a second create of the same id fails.
func NewCampaign(id CampaignID, account AccountID, spec CampaignSpec, now time.Time) (*Campaign, error) {
	const op = "campaign.Create"
	settings := spec.settings()
	if err := errors.Join(append([]error{id.Validate(), account.Validate()}, settings.problems()...)...); err != nil {
		return nil, wrap(op, err)
	}
	c := &Campaign{}
	if err := c.record(settings.created(id, account, now)); err != nil {
		return nil, wrap(op, err)
	}
	return c, nil
}

// LoadCampaign rebuilds a campaign from its stream's events. An empty
// history gives a campaign that does not exist: every behaviour answers
// NotFoundError.
func LoadCampaign(history []Event) (*Campaign, error) {
	c := &Campaign{}
	if err := c.load(c.apply, history); err != nil {
		return nil, fmt.Errorf("domain.LoadCampaign: %w", err)
	}
	return c, nil
}

// record applies e and keeps it for appending.
func (c *Campaign) record(e Event) error { return c.recordWith(c.apply, e) }

// live refuses behaviours on a campaign that does not exist or was deleted
// (rule 10).
func (c *Campaign) live() error {
	if c.id == "" || c.phase == PhaseDeleted {
		return NotFoundError{Object: "campaign", ID: string(c.id)}
	}
	return nil
}

// refuse is the error of a behaviour the current phase and state do not
// allow; to names where the behaviour would have led.
func (c *Campaign) refuse(to string) error {
	return InvalidTransitionError{Object: "campaign", From: string(c.phase) + "/" + string(c.state), To: to}
}

// apply changes the campaign's state by one recorded event.
func (c *Campaign) apply(e Event) error {
	if _, created := e.(CampaignCreated); created == (c.id != "") && e != nil {
		return fmt.Errorf("campaign: cannot apply %s: CampaignCreated is the first event of a stream, and only the first", e.Name())
	}
	switch e := e.(type) {
	case CampaignCreated:
		c.id, c.account, c.settings = e.CampaignID, e.AccountID, settingsOfCreated(e)
		c.phase, c.state, c.createdAt, c.updatedAt = PhaseDraft, StateDraft, e.At, e.At
	case CampaignEdited:
		c.settings, c.updatedAt = settingsOfEdited(e), e.At
	case CampaignStartRequested:
		c.startedAt = e.At
		return c.enterStart(e.Phase, e.At)
	case CampaignApproved:
		return c.enterStart(e.Phase, e.At)
	case CampaignStarting:
		return c.enterStart(PhaseStarting, e.At)
	case CampaignQuotaAllocated:
		c.state, c.updatedAt = StateAllocatedQuota, e.At
	case CampaignManifestChecked:
		c.state, c.manifestTimestamp, c.updatedAt = StateCheckedManifest, e.ManifestTimestamp, e.At
	case CampaignBatchProcessed:
		c.applyBatch(e)
	case CampaignPublishing:
		c.state, c.updatedAt = StatePublishing, e.At
	case CampaignDeploying:
		c.phase, c.state, c.activeAt, c.updatedAt = PhaseActive, StateDeploying, e.At, e.At
	case CampaignStopRequested:
		c.phase, c.state, c.stopReason, c.stoppingAt, c.updatedAt = PhaseStopping, StateStopping, e.Reason, e.At, e.At
		c.ro.paused, c.ro.autostop = false, e.Detail
	case CampaignStopped:
		if !e.State.Final() {
			return fmt.Errorf("campaign: CampaignStopped with state %q, which is not a final state", e.State)
		}
		c.phase, c.state, c.stoppedAt, c.updatedAt = PhaseStopped, e.State, e.At, e.At
	case CampaignArchived:
		c.phase, c.archivedAt, c.updatedAt = PhaseArchived, e.At, e.At
	case CampaignDeleted:
		c.phase, c.updatedAt = PhaseDeleted, e.At
	case CampaignWaveStarted, CampaignWaveSucceeded, CampaignPaused, CampaignResumed:
		return c.applyRollout(e)
	default:
		return unknownEvent("campaign", e)
	}
	return nil
}

// enterStart moves the campaign to the phase a start or an approval led to,
// with the legacy state Pelion reports there (rule 3).
func (c *Campaign) enterStart(phase Phase, at time.Time) error {
	switch phase {
	case PhaseAwaitingApproval:
		c.state = StateDraft
	case PhaseTimed:
		c.state = StateScheduled
	case PhaseStarting:
		c.state, c.startingAt = StateAllocatingQuota, at
	case PhaseDraft, PhaseActive, PhaseStopping, PhaseStopped, PhaseArchived, PhaseDeleted:
		return fmt.Errorf("campaign: a start cannot lead to phase %q", phase)
	default:
		return fmt.Errorf("campaign: unknown phase %q", phase)
	}
	c.phase, c.updatedAt = phase, at
	return nil
}

// applyBatch adds a device batch's summary to the running totals (rule 5).
func (c *Campaign) applyBatch(e CampaignBatchProcessed) {
	c.batches, c.enrolled, c.cursor, c.updatedAt = e.Batch, c.enrolled+e.Enrolled, e.Cursor, e.At
	for reason, n := range e.Skipped {
		if c.skipped == nil {
			c.skipped = map[SkipReason]int{}
		}
		c.skipped[reason] += n
	}
	c.state = StateDeviceCopy
	if e.Last {
		c.state = StateDeviceCheck
	}
}
