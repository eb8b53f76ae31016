package http

import (
	"errors"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// campaignJSON is Pelion's update campaign object. Phase and state only
// ever hold Pelion's values: the read model derives them from the
// domain's closed types.
type campaignJSON struct {
	Object                 string     `json:"object"`
	ID                     string     `json:"id"`
	Name                   string     `json:"name"`
	Description            string     `json:"description"`
	RootManifestID         string     `json:"root_manifest_id"`
	RootManifestURL        string     `json:"root_manifest_url"`
	DeviceFilter           string     `json:"device_filter"`
	CampaignStrategy       string     `json:"campaign_strategy"`
	ApprovalRequired       bool       `json:"approval_required"`
	Autostop               bool       `json:"autostop"`
	AutostopSuccessPercent float64    `json:"autostop_success_percent"`
	AutostopReason         string     `json:"autostop_reason"`
	HealthIndicator        string     `json:"health_indicator"`
	When                   *time.Time `json:"when"`
	Phase                  string     `json:"phase"`
	State                  string     `json:"state"`
	CreatedAt              time.Time  `json:"created_at"`
	UpdatedAt              time.Time  `json:"updated_at"`
	StartingAt             *time.Time `json:"starting_at"`
	StartedAt              *time.Time `json:"started_at"`
	ActiveAt               *time.Time `json:"active_at"`
	StoppingAt             *time.Time `json:"stopping_at"`
	StoppedAt              *time.Time `json:"stopped_at"`
	ArchivedAt             *time.Time `json:"archived_at"`
	Finished               *time.Time `json:"finished"`
	Etag                   string     `json:"etag"`
	rolloutJSON
}

func campaignObject(c projections.Campaign) campaignJSON {
	return campaignJSON{
		Object: "update-campaign", ID: string(c.ID), Name: c.Name, Description: c.Description,
		RootManifestID: string(c.RootManifestID), RootManifestURL: c.RootManifestURL, DeviceFilter: c.DeviceFilter,
		CampaignStrategy: string(c.Strategy), ApprovalRequired: c.ApprovalRequired, Autostop: c.Autostop,
		AutostopSuccessPercent: c.AutostopSuccessPercent, AutostopReason: c.AutostopReason, HealthIndicator: c.HealthIndicator,
		When: utcPtr(c.When), Phase: string(c.Phase), State: string(c.State),
		CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt), StartingAt: utcPtr(c.StartingAt), StartedAt: utcPtr(c.StartedAt),
		ActiveAt: utcPtr(c.ActiveAt), StoppingAt: utcPtr(c.StoppingAt), StoppedAt: utcPtr(c.StoppedAt),
		ArchivedAt: utcPtr(c.ArchivedAt), Finished: utcPtr(c.Finished), Etag: c.Etag,
		rolloutJSON: rolloutJSON{RolloutPolicy: c.RolloutPolicy, Paused: c.Paused, PauseCause: c.PauseCause, PauseReason: c.PauseReason,
			PausedAt: utcPtr(c.PausedAt), Wave: c.Wave, Waves: c.WaveSizes},
	}
}

// campaignInput is the body of a campaign create (POST) or update (PUT):
// Pelion's writable campaign fields. Absent fields are nil; on PUT they
// keep their values, and a null when (or rollout_policy) removes the
// start time (or the policy). State is read on PUT only (see putState).
type campaignInput struct {
	State                  *string        `json:"state"`
	Name                   *string        `json:"name"`
	Description            *string        `json:"description"`
	RootManifestID         *string        `json:"root_manifest_id"`
	DeviceFilter           *string        `json:"device_filter"`
	CampaignStrategy       *string        `json:"campaign_strategy"`
	ApprovalRequired       *bool          `json:"approval_required"`
	Autostop               *bool          `json:"autostop"`
	AutostopSuccessPercent *float64       `json:"autostop_success_percent"`
	When                   optionalTime   `json:"when"`
	RolloutPolicy          optionalPolicy `json:"rollout_policy"`
}

// spec is the input as a new campaign's spec. The domain checks the
// fields' rules; here only what it cannot: the syntax of the device
// filter and of when.
func (in campaignInput) spec() (domain.CampaignSpec, error) {
	s := domain.CampaignSpec{Name: deref(in.Name), Description: deref(in.Description),
		ManifestID: domain.ManifestID(deref(in.RootManifestID)), DeviceFilter: deref(in.DeviceFilter),
		Strategy: domain.Strategy(deref(in.CampaignStrategy)), ApprovalRequired: deref(in.ApprovalRequired),
		Autostop: in.Autostop, AutostopSuccessPercent: in.AutostopSuccessPercent}
	var problems []error
	if s.DeviceFilter != "" {
		problems = append(problems, projections.ValidateDeviceFilter(s.DeviceFilter))
	}
	if in.When.present() {
		when, err := in.When.parse("when")
		problems = append(problems, err)
		if !when.IsZero() {
			s.When = &when
		}
	}
	if in.RolloutPolicy.present() {
		p, err := in.RolloutPolicy.parse()
		problems = append(problems, err)
		s.Rollout = p
	}
	return s, errors.Join(append(problems, s.Validate())...)
}

// edit is the input as a campaign edit: nil fields keep their values.
func (in campaignInput) edit() (domain.CampaignEdit, error) {
	e := domain.CampaignEdit{Name: in.Name, Description: in.Description, DeviceFilter: in.DeviceFilter,
		ApprovalRequired: in.ApprovalRequired, Autostop: in.Autostop, AutostopSuccessPercent: in.AutostopSuccessPercent}
	if in.RootManifestID != nil {
		m := domain.ManifestID(*in.RootManifestID)
		e.ManifestID = &m
	}
	if in.CampaignStrategy != nil {
		s := domain.Strategy(*in.CampaignStrategy)
		e.Strategy = &s
	}
	var problems []error
	if in.DeviceFilter != nil && *in.DeviceFilter != "" {
		problems = append(problems, projections.ValidateDeviceFilter(*in.DeviceFilter))
	}
	if in.When.present() {
		when, err := in.When.parse("when")
		problems = append(problems, err)
		e.When = &when // the zero time (null) removes the start time
	}
	if in.RolloutPolicy.present() {
		p, err := in.RolloutPolicy.parse() // the zero policy (null) removes the policy
		problems = append(problems, err)
		e.Rollout = p
	}
	return e, errors.Join(problems...)
}
