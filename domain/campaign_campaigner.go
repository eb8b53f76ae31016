package domain

import (
	"fmt"
	"slices"
	"time"
)

// The Campaigner side of a campaign (Campaign rules 11–14):
//
//  11. A campaign made through Campaigner's API delivers an update (whose
//     source, with the built-in catalog, is the campaign's manifest) to
//     the registered devices of one or more groups: its devices are the
//     catalog's devices matching the device filter and in any of the
//     groups. Groups are 1–128 characters each, kept sorted and without
//     repeats; like the filter, they change only in draft.
//  12. Its metadata is a list of typed values, at most one of each type;
//     it is replaced whole, in any phase but deleted, like the name.
//  13. ConsentRequired is Campaigner's approvalNeeded: each device's user
//     must accept the update (autoAccept is its negation). It is kept,
//     and changes only in draft; each device's update then waits for its
//     user's acceptance (Device rule 8).
//  14. A retry campaign (Campaigner's retry-failed) names its main
//     campaign, the failure code it retries (1–128 characters, one line)
//     and at least one device, kept sorted and without repeats: it targets
//     exactly those devices (of the catalog, matching its filter), not
//     groups. The three are set at creation and never change.
//  15. Campaigner's cancel stops a draft (Campaigner's prepared) at once
//     as userstopped, as rule 7 stops a timed one: nothing was allocated or
//     enrolled yet, and a stopped campaign never finishes. Any other
//     campaign it stops as a user's stop (rule 7).
type campaignerSettings struct {
	update   UpdateID
	groups   []string
	metadata []CampaignMetadata
	consent  bool
	retry    retryOf
}

// retryOf is what makes a campaign a retry campaign (rule 14); zero for
// any other campaign.
type retryOf struct {
	main        CampaignID
	failureCode string
	devices     []DeviceID
}

// CampaignMetadata is one typed value of a campaign's Campaigner metadata.
type CampaignMetadata struct {
	Type  MetadataType `json:"type"`
	Value string       `json:"value"`
}

// MetadataType is the type of a Campaigner metadata value.
type MetadataType string

// The Campaigner metadata types.
const (
	MetadataDescription                   MetadataType = "DESCRIPTION"
	MetadataEstimatedInstallationDuration MetadataType = "ESTIMATED_INSTALLATION_DURATION"
	MetadataEstimatedPreparationDuration  MetadataType = "ESTIMATED_PREPARATION_DURATION"
)

// MetadataTypes lists every metadata type.
var MetadataTypes = []MetadataType{MetadataDescription, MetadataEstimatedInstallationDuration, MetadataEstimatedPreparationDuration}

// ParseMetadataType parses a metadata type.
func ParseMetadataType(s string) (MetadataType, error) {
	return parseEnum("metadata.type", s, MetadataTypes)
}

// Cancel is Campaigner's cancel (rule 15): a draft stops at once, any
// other campaign as RequestStop(StateUserStopped) stops it.
func (c *Campaign) Cancel(now time.Time) error {
	const op = "campaign.Cancel"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	if c.phase == PhaseDraft {
		return wrap(op, c.record(CampaignStopped{State: StateUserStopped, At: now}))
	}
	return wrap(op, c.stop(StateUserStopped, now, c.refuse("cancelled")))
}

// UpdateID returns the Campaigner update the campaign delivers, or "" for
// a campaign made through /v3.
func (c *Campaign) UpdateID() UpdateID { return c.settings.campaigner.update }

// Groups returns the device groups whose devices the campaign targets,
// sorted; none means the device filter alone selects them.
func (c *Campaign) Groups() []string { return slices.Clone(c.settings.campaigner.groups) }

// Metadata returns the campaign's Campaigner metadata.
func (c *Campaign) Metadata() []CampaignMetadata { return slices.Clone(c.settings.campaigner.metadata) }

// ConsentRequired reports whether each device's user must accept the
// update (Campaigner's approvalNeeded).
func (c *Campaign) ConsentRequired() bool { return c.settings.campaigner.consent }

// MainCampaignID returns the campaign a retry campaign retries, or "" for
// any other campaign (rule 14).
func (c *Campaign) MainCampaignID() CampaignID { return c.settings.campaigner.retry.main }

// FailureCode returns the failure code a retry campaign retries.
func (c *Campaign) FailureCode() string { return c.settings.campaigner.retry.failureCode }

// DeviceSelection says which devices of the account's catalog a campaign
// targets: those matching Filter and, when Groups is not empty, in at
// least one of Groups and, when Devices is not empty, one of Devices (a
// retry campaign's explicit list). The engine pages through them by this
// one value, whichever API made the campaign.
type DeviceSelection struct {
	Filter  string
	Groups  []string
	Devices []DeviceID
}

// DeviceSelection returns the devices the campaign targets.
func (c *Campaign) DeviceSelection() DeviceSelection {
	return DeviceSelection{Filter: c.settings.filter, Groups: slices.Clone(c.settings.campaigner.groups),
		Devices: slices.Clone(c.settings.campaigner.retry.devices)}
}

// normalDevices sorts a retry campaign's devices and drops repeats (rule
// 14); none is nil.
func normalDevices(devices []DeviceID) []DeviceID {
	out := slices.Compact(slices.Sorted(slices.Values(devices)))
	if len(out) == 0 {
		return nil
	}
	return out
}

// normalGroups sorts groups and drops repeats (rule 11); none is nil.
func normalGroups(groups []string) []string {
	out := slices.Compact(slices.Sorted(slices.Values(groups)))
	if len(out) == 0 {
		return nil
	}
	return out
}

// problems checks rules 11 and 12.
func (s campaignerSettings) problems() []error {
	var problems []error
	if s.update != "" {
		if err := s.update.Validate(); err != nil {
			problems = append(problems, InvalidError{Field: "update", Reason: err.Error()})
		}
	}
	for i, g := range s.groups {
		if g == "" {
			problems = append(problems, InvalidError{Field: fmt.Sprintf("groups[%d]", i), Reason: "must not be empty"})
		}
		problems = append(problems, textProblems(textProblem(fmt.Sprintf("groups[%d]", i), g, 128, oneLine))...)
	}
	seen := map[MetadataType]bool{}
	for i, m := range s.metadata {
		field := fmt.Sprintf("metadata[%d]", i)
		if _, err := ParseMetadataType(string(m.Type)); err != nil {
			problems = append(problems, InvalidError{Field: field + ".type", Reason: err.Error()})
		} else if seen[m.Type] {
			problems = append(problems, InvalidError{Field: field + ".type", Reason: fmt.Sprintf("%s is given more than once", m.Type)})
		}
		seen[m.Type] = true
		problems = append(problems, textProblems(textProblem(field+".value", m.Value, 2000, freeText))...)
	}
	return append(problems, s.retry.problems()...)
}

// problems checks rule 14: a campaign with any retry field has all three.
func (r retryOf) problems() []error {
	if r.main == "" && r.failureCode == "" && len(r.devices) == 0 {
		return nil
	}
	var problems []error
	if err := r.main.Validate(); err != nil {
		problems = append(problems, InvalidError{Field: "mainCampaignId", Reason: err.Error()})
	}
	if r.failureCode == "" {
		problems = append(problems, InvalidError{Field: "failureCode", Reason: "must not be empty"})
	}
	problems = append(problems, textProblems(textProblem("failureCode", r.failureCode, 128, oneLine))...)
	if len(r.devices) == 0 {
		problems = append(problems, InvalidError{Field: "devices", Reason: "a retry campaign must list at least one device"})
	}
	for i, d := range r.devices {
		if err := d.Validate(); err != nil {
			problems = append(problems, InvalidError{Field: fmt.Sprintf("devices[%d]", i), Reason: err.Error()})
		}
	}
	return problems
}

// lockedChange names the first Campaigner field that only changes in
// draft and differs between s and next, or returns "".
func (s campaignerSettings) lockedChange(next campaignerSettings) string {
	switch {
	case s.update != next.update:
		return "update"
	case !slices.Equal(s.groups, next.groups):
		return "groups"
	case s.consent != next.consent:
		return "approvalNeeded"
	case s.retry.main != next.retry.main || s.retry.failureCode != next.retry.failureCode || !slices.Equal(s.retry.devices, next.retry.devices):
		return "mainCampaignId"
	}
	return ""
}
