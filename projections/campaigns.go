package projections

import (
	"fmt"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// campaignRow is a row of the campaigns table; the json tags are its columns.
type campaignRow struct {
	ID                     string                `json:"id"`
	AccountID              string                `json:"account_id"`
	Name                   string                `json:"name"`
	Description            string                `json:"description"`
	RootManifestID         string                `json:"root_manifest_id"`
	DeviceFilter           string                `json:"device_filter"`
	Strategy               string                `json:"campaign_strategy"`
	ApprovalRequired       bool                  `json:"approval_required"`
	Autostop               bool                  `json:"autostop"`
	AutostopSuccessPercent float64               `json:"autostop_success_percent"`
	AutostopReason         string                `json:"autostop_reason"`
	When                   *time.Time            `json:"when"`
	Phase                  domain.Phase          `json:"phase"`
	State                  domain.State          `json:"state"`
	CampaignerStatus       domain.CampaignStatus `json:"campaigner_status"`
	ManifestTimestamp      *time.Time            `json:"manifest_timestamp"`
	BatchesProcessed       int                   `json:"batches_processed"`
	CreatedAt              time.Time             `json:"created_at"`
	UpdatedAt              time.Time             `json:"updated_at"`
	StartingAt             *time.Time            `json:"starting_at"`
	StartedAt              *time.Time            `json:"started_at"`
	ActiveAt               *time.Time            `json:"active_at"`
	StoppingAt             *time.Time            `json:"stopping_at"`
	StoppedAt              *time.Time            `json:"stopped_at"`
	ArchivedAt             *time.Time            `json:"archived_at"`
	DeletedAt              *time.Time            `json:"deleted_at"`
	Finished               *time.Time            `json:"finished"`
	Etag                   string                `json:"etag"`
	// The Campaigner fields (migration 008).
	UpdateID        string                    `json:"update_id"`
	Groups          []string                  `json:"groups"`
	Metadata        []domain.CampaignMetadata `json:"metadata"`
	ConsentRequired bool                      `json:"consent_required"`
	// A retry campaign's main campaign and failure code (migration 010).
	MainCampaignID string `json:"main_campaign_id"`
	FailureCode    string `json:"failure_code"`
	// The rollout: policy, pause and waves (migration 016).
	RolloutPolicy *domain.RolloutPolicy `json:"rollout_policy"`
	Paused        bool                  `json:"paused"`
	PauseCause    string                `json:"pause_cause"`
	PauseReason   string                `json:"pause_reason"`
	PausedAt      *time.Time            `json:"paused_at"`
	Wave          int                   `json:"wave"`
	WaveSize      int                   `json:"wave_size"`
	WavesTotal    int                   `json:"waves_total"`
	WaveSizes     []int                 `json:"wave_sizes"`
}

var campaignsTable = newTableSpec[campaignRow]("campaigns", "id")

// campaignsProjection maintains the campaigns read model from the events
// of campaign streams. Pelion's legacy state is derived here from the step
// each event records; the mapping is in the On methods.
type campaignsProjection struct {
	rows *rowSet[campaignRow]
}

func newCampaignsProjection() *campaignsProjection {
	return &campaignsProjection{rows: newRowSet(campaignsTable, func(r *campaignRow) string { return r.ID })}
}

// OnCampaignCreated writes the new campaign's row, in draft.
func (p *campaignsProjection) OnCampaignCreated(env envelope, e domain.CampaignCreated) {
	at := env.at(e.At)
	r := &campaignRow{
		ID:        string(env.campaignID),
		AccountID: string(e.AccountID),
		Phase:     domain.PhaseDraft,
		State:     domain.StateDraft,
		CreatedAt: at,
		// A retry campaign's fields are set at creation and never change.
		MainCampaignID: string(e.MainCampaignID),
		FailureCode:    e.FailureCode,
	}
	setEditable(r, domain.CampaignEdited{CampaignName: e.CampaignName, Description: e.Description, ManifestID: e.ManifestID,
		DeviceFilter: e.DeviceFilter, Strategy: e.Strategy, ApprovalRequired: e.ApprovalRequired, Autostop: e.Autostop,
		AutostopSuccessPercent: e.AutostopSuccessPercent, When: e.When, Rollout: e.Rollout, UpdateID: e.UpdateID, Groups: e.Groups,
		Metadata: e.Metadata, ConsentRequired: e.ConsentRequired})
	stamp(r, env, at)
	p.rows.put(r.ID, r)
}

// OnCampaignEdited copies the edited fields.
func (p *campaignsProjection) OnCampaignEdited(env envelope, e domain.CampaignEdited) error {
	return p.change(env, e.At, func(r *campaignRow) { setEditable(r, e) })
}

// setEditable copies the settings a CampaignCreated or CampaignEdited
// records. Groups and metadata are never NULL.
func setEditable(r *campaignRow, e domain.CampaignEdited) {
	r.Name, r.Description, r.RootManifestID, r.DeviceFilter, r.Strategy = e.CampaignName, e.Description, string(e.ManifestID), e.DeviceFilter, e.Strategy
	r.ApprovalRequired, r.Autostop, r.AutostopSuccessPercent, r.When = e.ApprovalRequired, e.Autostop, e.AutostopSuccessPercent, e.When
	r.UpdateID, r.Groups, r.Metadata = string(e.UpdateID), append([]string{}, e.Groups...), append([]domain.CampaignMetadata{}, e.Metadata...)
	r.ConsentRequired = e.ConsentRequired
	setRollout(r, e.Rollout)
}

// OnCampaignStartRequested records when a user started the campaign
// (Pelion's started_at) and the phase the start led to.
func (p *campaignsProjection) OnCampaignStartRequested(env envelope, e domain.CampaignStartRequested) error {
	return p.change(env, e.At, func(r *campaignRow) {
		at := env.at(e.At)
		r.StartedAt = &at
		enterStartPhase(r, e.Phase, at)
	})
}

// OnCampaignApproved moves an approved campaign to timed or starting.
func (p *campaignsProjection) OnCampaignApproved(env envelope, e domain.CampaignApproved) error {
	return p.change(env, e.At, func(r *campaignRow) { enterStartPhase(r, e.Phase, env.at(e.At)) })
}

// enterStartPhase sets the phase a start or an approval led to, and the
// legacy state matching it, as the Campaign aggregate does: awaiting
// approval is still a draft, a timed campaign is scheduled, a starting one
// allocates its quota first.
func enterStartPhase(r *campaignRow, phase domain.Phase, at time.Time) {
	switch phase {
	case domain.PhaseAwaitingApproval:
		r.State = domain.StateDraft
	case domain.PhaseTimed:
		r.State = domain.StateScheduled
	case domain.PhaseStarting:
		r.State = domain.StateAllocatingQuota
	case domain.PhaseDraft, domain.PhaseActive, domain.PhaseStopping, domain.PhaseStopped,
		domain.PhaseArchived, domain.PhaseDeleted:
		// Not where a start leads; the aggregate refuses to record it.
	}
	enterPhase(r, phase, at)
}

// OnCampaignStarting records that a timed campaign's time came.
func (p *campaignsProjection) OnCampaignStarting(env envelope, e domain.CampaignStarting) error {
	return p.change(env, e.At, func(r *campaignRow) { enterStartPhase(r, domain.PhaseStarting, env.at(e.At)) })
}

// OnCampaignQuotaAllocated moves the legacy state past the quota step.
func (p *campaignsProjection) OnCampaignQuotaAllocated(env envelope, e domain.CampaignQuotaAllocated) error {
	return p.change(env, e.At, func(r *campaignRow) { r.State = domain.StateAllocatedQuota })
}

// OnCampaignManifestChecked copies the manifest timestamp.
func (p *campaignsProjection) OnCampaignManifestChecked(env envelope, e domain.CampaignManifestChecked) error {
	return p.change(env, e.At, func(r *campaignRow) {
		ts := e.ManifestTimestamp
		r.ManifestTimestamp, r.State = &ts, domain.StateCheckedManifest
	})
}

// OnCampaignBatchProcessed counts device pages: devicecopy while pages
// come, devicecheck after the last one. Per-device counts come from the
// device events, in campaign_counters.
func (p *campaignsProjection) OnCampaignBatchProcessed(env envelope, e domain.CampaignBatchProcessed) error {
	return p.change(env, e.At, func(r *campaignRow) {
		r.BatchesProcessed++
		splitWaves(r, e.Enrolled)
		r.State = domain.StateDeviceCopy
		if e.Last {
			r.State = domain.StateDeviceCheck
		}
	})
}

// OnCampaignPublishing records that manifests are being published.
func (p *campaignsProjection) OnCampaignPublishing(env envelope, e domain.CampaignPublishing) error {
	return p.change(env, e.At, func(r *campaignRow) { r.State = domain.StatePublishing })
}

// OnCampaignDeploying records that the campaign is active.
func (p *campaignsProjection) OnCampaignDeploying(env envelope, e domain.CampaignDeploying) error {
	return p.change(env, e.At, func(r *campaignRow) {
		r.State = domain.StateDeploying
		enterPhase(r, domain.PhaseActive, env.at(e.At))
	})
}

// OnCampaignStopRequested records a stop in progress and its reason.
func (p *campaignsProjection) OnCampaignStopRequested(env envelope, e domain.CampaignStopRequested) error {
	return p.change(env, e.At, func(r *campaignRow) {
		r.State, r.AutostopReason = domain.StateStopping, stopReason(e.Reason)
		if e.Detail != "" {
			r.AutostopReason = e.Detail // an abort rule's explanation
		}
		clearPause(r) // a stop ends a pause, as in the Campaign
		enterPhase(r, domain.PhaseStopping, env.at(e.At))
	})
}

// OnCampaignStopped records how the campaign ended.
func (p *campaignsProjection) OnCampaignStopped(env envelope, e domain.CampaignStopped) error {
	return p.change(env, e.At, func(r *campaignRow) {
		r.State, r.AutostopReason = e.State, stoppedReason(r, e.State)
		clearPause(r)
		enterPhase(r, domain.PhaseStopped, env.at(e.At))
	})
}

// OnCampaignArchived records the archiving.
func (p *campaignsProjection) OnCampaignArchived(env envelope, e domain.CampaignArchived) error {
	return p.change(env, e.At, func(r *campaignRow) { enterPhase(r, domain.PhaseArchived, env.at(e.At)) })
}

// OnCampaignDeleted keeps the row with phase deleted: the API hides it,
// analytics still see it.
func (p *campaignsProjection) OnCampaignDeleted(env envelope, e domain.CampaignDeleted) error {
	return p.change(env, e.At, func(r *campaignRow) { enterPhase(r, domain.PhaseDeleted, env.at(e.At)) })
}

// change applies f to the campaign's row and stamps it with the event. A
// campaign event without an earlier CampaignCreated means the history is
// not what the domain guarantees: the runner stops on it.
func (p *campaignsProjection) change(env envelope, eventAt time.Time, f func(*campaignRow)) error {
	r := p.rows.edit(string(env.campaignID))
	if r == nil {
		return fmt.Errorf("campaign %s has no row: %s without CampaignCreated", env.campaignID, env.event.Name())
	}
	f(r)
	stamp(r, env, eventAt)
	return nil
}

// stamp sets what every campaign event changes: the update time, the
// etag, and Campaigner's status derived from the phase and state.
func stamp(r *campaignRow, env envelope, eventAt time.Time) {
	r.UpdatedAt, r.Etag = env.at(eventAt), env.etag()
	r.CampaignerStatus = domain.CampaignerStatusOf(r.Phase, r.State)
}

// enterPhase sets the phase and the timestamp Pelion keeps for entering it.
func enterPhase(r *campaignRow, phase domain.Phase, at time.Time) {
	r.Phase = phase
	switch phase {
	case domain.PhaseStarting:
		r.StartingAt = &at
	case domain.PhaseActive:
		r.ActiveAt = &at
	case domain.PhaseStopping:
		r.StoppingAt = &at
	case domain.PhaseStopped:
		r.StoppedAt, r.Finished = &at, &at
	case domain.PhaseArchived:
		r.ArchivedAt = &at
	case domain.PhaseDeleted:
		r.DeletedAt = &at
	case domain.PhaseDraft, domain.PhaseAwaitingApproval, domain.PhaseTimed:
	}
}
