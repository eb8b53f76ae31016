package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CampaignSpec is what a user gives to create a campaign. The optional
// fields left at their zero value take Pelion's defaults: strategy one-shot,
// autostop true, autostop_success_percent 100, no start time.
type CampaignSpec struct {
	Name                   string
	Description            string
	ManifestID             ManifestID
	DeviceFilter           string
	Strategy               Strategy
	ApprovalRequired       bool
	Autostop               *bool
	AutostopSuccessPercent *float64
	When                   *time.Time
	// Rollout is the rollout policy (rule 16); nil: none.
	Rollout *RolloutPolicy
	// The Campaigner fields (see campaign_campaigner.go).
	UpdateID        UpdateID
	Groups          []string
	Metadata        []CampaignMetadata
	ConsentRequired bool
	// The retry fields (rule 14), set only by retry-failed.
	MainCampaignID CampaignID
	FailureCode    string
	Devices        []DeviceID
}

// CampaignEdit lists the fields a user changes; a nil field keeps its value.
// A When pointing at the zero time removes the start time. A client that
// sends every field back unchanged is fine in any phase (rule 2).
type CampaignEdit struct {
	Name                   *string
	Description            *string
	ManifestID             *ManifestID
	DeviceFilter           *string
	Strategy               *Strategy
	ApprovalRequired       *bool
	Autostop               *bool
	AutostopSuccessPercent *float64
	When                   *time.Time
	// Rollout replaces the rollout policy; a zero policy removes it.
	Rollout *RolloutPolicy
	// Metadata replaces the Campaigner metadata (in any phase).
	Metadata *[]CampaignMetadata
}

// campaignSettings are a campaign's user-set fields with defaults applied.
// A zero when means "start as soon as started".
type campaignSettings struct {
	name             string
	description      string
	manifest         ManifestID
	filter           string
	strategy         Strategy
	approvalRequired bool
	autostop         bool
	autostopPercent  float64
	when             time.Time
	rollout          RolloutPolicy
	campaigner       campaignerSettings
}

// Edit changes the campaign's user-set fields (rule 2).
func (c *Campaign) Edit(edit CampaignEdit, now time.Time) error {
	const op = "campaign.Edit"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	next := edit.applyTo(c.settings)
	if err := errors.Join(next.problems()...); err != nil {
		return wrap(op, err)
	}
	if field := c.settings.lockedChange(next); field != "" && c.phase != PhaseDraft {
		return wrap(op, InvalidError{Field: field, Reason: fmt.Sprintf("can only be changed in draft, the campaign is %s", c.phase)})
	}
	if next.equal(c.settings) {
		return nil
	}
	return wrap(op, c.record(next.edited(now)))
}

// settings applies the defaults of rule 1 to a spec.
func (s CampaignSpec) settings() campaignSettings {
	out := campaignSettings{name: s.Name, description: s.Description, manifest: s.ManifestID,
		filter: s.DeviceFilter, strategy: s.Strategy, approvalRequired: s.ApprovalRequired,
		autostop: true, autostopPercent: 100}
	if out.strategy == "" {
		out.strategy = StrategyOneShot
	}
	if s.Autostop != nil {
		out.autostop = *s.Autostop
	}
	if s.AutostopSuccessPercent != nil {
		out.autostopPercent = *s.AutostopSuccessPercent
	}
	if s.When != nil {
		out.when = *s.When
	}
	if s.Rollout != nil {
		out.rollout = *s.Rollout
	}
	out.campaigner = campaignerSettings{update: s.UpdateID, groups: normalGroups(s.Groups), metadata: s.Metadata, consent: s.ConsentRequired,
		retry: retryOf{main: s.MainCampaignID, failureCode: s.FailureCode, devices: normalDevices(s.Devices)}}
	return out
}

// applyTo returns s with the edit's non-nil fields replaced.
func (e CampaignEdit) applyTo(s campaignSettings) campaignSettings {
	set(&s.name, e.Name)
	set(&s.description, e.Description)
	set(&s.manifest, e.ManifestID)
	set(&s.filter, e.DeviceFilter)
	set(&s.strategy, e.Strategy)
	set(&s.approvalRequired, e.ApprovalRequired)
	set(&s.autostop, e.Autostop)
	set(&s.autostopPercent, e.AutostopSuccessPercent)
	set(&s.when, e.When)
	set(&s.rollout, e.Rollout)
	set(&s.campaigner.metadata, e.Metadata)
	return s
}

// set copies *from into *to unless from is nil.
func set[T any](to *T, from *T) {
	if from != nil {
		*to = *from
	}
}

// Validate checks the spec as a new campaign's (rule 1), naming every
// problem: what an adapter calls before it reads anything by the spec's
// values.
func (s CampaignSpec) Validate() error { return errors.Join(s.settings().problems()...) }

// problems checks rule 1 and lists every problem, so the API can report
// them all in its error's fields.
func (s campaignSettings) problems() []error {
	var problems []error
	if strings.TrimSpace(s.name) == "" {
		problems = append(problems, InvalidError{Field: "name", Reason: "must not be blank"})
	}
	problems = append(problems, textProblems(textProblem("name", s.name, 128, oneLine),
		textProblem("description", s.description, 2000, freeText), textProblem("device_filter", s.filter, 4096, oneLine))...)
	if err := s.manifest.Validate(); err != nil {
		problems = append(problems, InvalidError{Field: "root_manifest_id", Reason: err.Error()})
	}
	if strings.TrimSpace(s.filter) == "" {
		problems = append(problems, InvalidError{Field: "device_filter", Reason: "must not be empty"})
	}
	if _, err := ParseStrategy(string(s.strategy)); err != nil {
		problems = append(problems, err)
	}
	if !(s.autostopPercent >= 0 && s.autostopPercent <= 100) {
		problems = append(problems, InvalidError{Field: "autostop_success_percent", Reason: fmt.Sprintf("%v is not between 0 and 100", s.autostopPercent)})
	}
	problems = append(problems, s.rollout.problems()...)
	return append(problems, s.campaigner.problems()...)
}

// lockedChange names the first field outside name and description that
// differs between s and next, or returns "" (rule 2).
func (s campaignSettings) lockedChange(next campaignSettings) string {
	switch {
	case s.manifest != next.manifest:
		return "root_manifest_id"
	case s.filter != next.filter:
		return "device_filter"
	case s.strategy != next.strategy:
		return "campaign_strategy"
	case s.approvalRequired != next.approvalRequired:
		return "approval_required"
	case s.autostop != next.autostop:
		return "autostop"
	case s.autostopPercent != next.autostopPercent:
		return "autostop_success_percent"
	case !s.when.Equal(next.when):
		return "when"
	case !s.rollout.Equal(next.rollout):
		return "rollout_policy"
	case s.campaigner.lockedChange(next.campaigner) != "":
		return s.campaigner.lockedChange(next.campaigner)
	}
	return ""
}

// equal reports whether two settings hold the same values.
func (s campaignSettings) equal(o campaignSettings) bool {
	return s.name == o.name && s.description == o.description && s.lockedChange(o) == "" &&
		slices.Equal(s.campaigner.metadata, o.campaigner.metadata)
}

// whenPtr is the event form of when: nil when the campaign has no start time.
func (s campaignSettings) whenPtr() *time.Time {
	if s.when.IsZero() {
		return nil
	}
	w := s.when
	return &w
}

// rolloutPtr is the event form of the rollout policy: normalized, or nil
// when the campaign has none.
func (s campaignSettings) rolloutPtr() *RolloutPolicy {
	if s.rollout.IsZero() {
		return nil
	}
	p := s.rollout.Normalized()
	return &p
}

// created is the event recording a new campaign with these settings.
func (s campaignSettings) created(id CampaignID, account AccountID, at time.Time) CampaignCreated {
	return CampaignCreated{CampaignID: id, AccountID: account, CampaignName: s.name,
		Description: s.description, ManifestID: s.manifest, DeviceFilter: s.filter,
		Strategy: string(s.strategy), ApprovalRequired: s.approvalRequired, Autostop: s.autostop,
		AutostopSuccessPercent: s.autostopPercent, When: s.whenPtr(), Rollout: s.rolloutPtr(), UpdateID: s.campaigner.update,
		Groups: s.campaigner.groups, Metadata: s.campaigner.metadata, ConsentRequired: s.campaigner.consent,
		MainCampaignID: s.campaigner.retry.main, FailureCode: s.campaigner.retry.failureCode, Devices: s.campaigner.retry.devices, At: at}
}

// edited is the event recording these settings as the campaign's new ones.
func (s campaignSettings) edited(at time.Time) CampaignEdited {
	return CampaignEdited{CampaignName: s.name, Description: s.description, ManifestID: s.manifest,
		DeviceFilter: s.filter, Strategy: string(s.strategy), ApprovalRequired: s.approvalRequired,
		Autostop: s.autostop, AutostopSuccessPercent: s.autostopPercent, When: s.whenPtr(), Rollout: s.rolloutPtr(), UpdateID: s.campaigner.update,
		Groups: s.campaigner.groups, Metadata: s.campaigner.metadata, ConsentRequired: s.campaigner.consent,
		MainCampaignID: s.campaigner.retry.main, FailureCode: s.campaigner.retry.failureCode, Devices: s.campaigner.retry.devices, At: at}
}

// settingsOfCreated reads the settings a CampaignCreated recorded.
func settingsOfCreated(e CampaignCreated) campaignSettings {
	return settingsOfEdited(CampaignEdited{CampaignName: e.CampaignName, Description: e.Description,
		ManifestID: e.ManifestID, DeviceFilter: e.DeviceFilter, Strategy: e.Strategy,
		ApprovalRequired: e.ApprovalRequired, Autostop: e.Autostop,
		AutostopSuccessPercent: e.AutostopSuccessPercent, When: e.When, Rollout: e.Rollout, UpdateID: e.UpdateID, Groups: e.Groups,
		Metadata: e.Metadata, ConsentRequired: e.ConsentRequired,
		MainCampaignID: e.MainCampaignID, FailureCode: e.FailureCode, Devices: e.Devices})
}

// settingsOfEdited reads the settings a CampaignEdited recorded.
func settingsOfEdited(e CampaignEdited) campaignSettings {
	s := campaignSettings{name: e.CampaignName, description: e.Description, manifest: e.ManifestID,
		filter: e.DeviceFilter, strategy: Strategy(e.Strategy), approvalRequired: e.ApprovalRequired,
		autostop: e.Autostop, autostopPercent: e.AutostopSuccessPercent,
		campaigner: campaignerSettings{update: e.UpdateID, groups: e.Groups, metadata: e.Metadata, consent: e.ConsentRequired,
			retry: retryOf{main: e.MainCampaignID, failureCode: e.FailureCode, devices: e.Devices}}}
	set(&s.when, e.When)
	set(&s.rollout, e.Rollout)
	return s
}
