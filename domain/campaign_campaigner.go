package domain

import (
	"fmt"
	"slices"
)

// The Campaigner side of a campaign (Campaign rules 11–13):
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
//     and changes only in draft; the consent flow itself comes later.
type campaignerSettings struct {
	update   UpdateID
	groups   []string
	metadata []CampaignMetadata
	consent  bool
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

// DeviceSelection says which devices of the account's catalog a campaign
// targets: those matching Filter and, when Groups is not empty, in at
// least one of Groups. The engine pages through them by this one value,
// whichever API made the campaign.
type DeviceSelection struct {
	Filter string
	Groups []string
}

// DeviceSelection returns the devices the campaign targets.
func (c *Campaign) DeviceSelection() DeviceSelection {
	return DeviceSelection{Filter: c.settings.filter, Groups: slices.Clone(c.settings.campaigner.groups)}
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
	}
	return ""
}
