package domain

import (
	"maps"
	"time"
)

// ID returns the campaign's id.
func (c *Campaign) ID() CampaignID { return c.id }

// AccountID returns the account the campaign belongs to.
func (c *Campaign) AccountID() AccountID { return c.account }

// Name returns the campaign's name.
func (c *Campaign) Name() string { return c.settings.name }

// Description returns the campaign's description.
func (c *Campaign) Description() string { return c.settings.description }

// ManifestID returns the id of the manifest the campaign delivers
// (Pelion's root_manifest_id).
func (c *Campaign) ManifestID() ManifestID { return c.settings.manifest }

// DeviceFilter returns the filter selecting the campaign's devices.
func (c *Campaign) DeviceFilter() string { return c.settings.filter }

// Strategy returns the campaign's strategy.
func (c *Campaign) Strategy() Strategy { return c.settings.strategy }

// ApprovalRequired reports whether a start waits for an approval.
func (c *Campaign) ApprovalRequired() bool { return c.settings.approvalRequired }

// Autostop reports whether the campaign stops by itself once
// AutostopSuccessPercent of its devices succeeded.
func (c *Campaign) Autostop() bool { return c.settings.autostop }

// AutostopSuccessPercent returns the share of successful devices, 0 to 100,
// at which an autostop campaign stops.
func (c *Campaign) AutostopSuccessPercent() float64 { return c.settings.autostopPercent }

// When returns the time the campaign is to start at; ok is false when it
// starts as soon as it is started.
func (c *Campaign) When() (when time.Time, ok bool) {
	return c.settings.when, !c.settings.when.IsZero()
}

// Phase returns the campaign's phase.
func (c *Campaign) Phase() Phase { return c.phase }

// State returns the campaign's legacy Pelion state.
func (c *Campaign) State() State { return c.state }

// StopReason returns the reason a stop was asked for while the campaign
// was starting or active, or "" when none was.
func (c *Campaign) StopReason() State { return c.stopReason }

// ManifestTimestamp returns the timestamp of the manifest as the manifest
// check copied it, or the zero time before that check.
func (c *Campaign) ManifestTimestamp() time.Time { return c.manifestTimestamp }

// Batches returns how many device batches were recorded.
func (c *Campaign) Batches() int { return c.batches }

// Enrolled returns how many devices the recorded batches enrolled.
func (c *Campaign) Enrolled() int { return c.enrolled }

// Skipped returns how many devices the recorded batches skipped.
func (c *Campaign) Skipped() int {
	total := 0
	for _, n := range c.skipped {
		total += n
	}
	return total
}

// SkippedByReason returns the skipped devices counted by reason.
func (c *Campaign) SkippedByReason() map[SkipReason]int { return maps.Clone(c.skipped) }

// Cursor returns where the next page of devices starts, as the last
// recorded batch said, so a restarted engine resumes there.
func (c *Campaign) Cursor() string { return c.cursor }

// CreatedAt returns when the campaign was created.
func (c *Campaign) CreatedAt() time.Time { return c.createdAt }

// UpdatedAt returns when the campaign last changed.
func (c *Campaign) UpdatedAt() time.Time { return c.updatedAt }

// StartedAt returns when a user started the campaign (Pelion's
// started_at), or the zero time.
func (c *Campaign) StartedAt() time.Time { return c.startedAt }

// StartingAt returns when the campaign entered phase starting, or the zero
// time.
func (c *Campaign) StartingAt() time.Time { return c.startingAt }

// ActiveAt returns when the campaign became active, or the zero time.
func (c *Campaign) ActiveAt() time.Time { return c.activeAt }

// StoppingAt returns when the campaign entered phase stopping, or the zero
// time.
func (c *Campaign) StoppingAt() time.Time { return c.stoppingAt }

// StoppedAt returns when the campaign stopped (Pelion's stopped_at and
// finished), or the zero time.
func (c *Campaign) StoppedAt() time.Time { return c.stoppedAt }

// ArchivedAt returns when the campaign was archived, or the zero time.
func (c *Campaign) ArchivedAt() time.Time { return c.archivedAt }

// Status returns Campaigner's view of the campaign (CampaignerStatusOf).
func (c *Campaign) Status() CampaignStatus { return CampaignerStatusOf(c.phase, c.state) }

// CampaignerStatusOf maps a campaign's phase and legacy state onto
// Campaigner's status: prepared before its pipeline starts, launched while
// it runs, finished when it ended deployed or autostopped, cancelled when
// it ended any other way. A stopping campaign is already cancelled: it
// stops with its stop reason, never a success (StopReason), and
// Campaigner's cancel answers cancelled at once. An archived campaign keeps the
// status it stopped with. The read models and the aggregate both use it,
// so the API's two faces never disagree.
func CampaignerStatusOf(phase Phase, state State) CampaignStatus {
	switch phase {
	case PhaseDraft, PhaseAwaitingApproval, PhaseTimed:
		return CampaignPrepared
	case PhaseStarting, PhaseActive:
		return CampaignLaunched
	case PhaseStopping:
		return CampaignCancelled
	case PhaseStopped, PhaseArchived:
		if state.Succeeded() {
			return CampaignFinished
		}
		return CampaignCancelled
	case PhaseDeleted:
		return CampaignCancelled
	}
	return CampaignPrepared
}
