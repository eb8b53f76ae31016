package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Update rules (stream update-<id>, Campaigner's update):
//
//  1. An update is created once, in one account, with a name of 1–128
//     characters, a description of at most 2,000, and a source: an id of
//     1–128 characters and a source type, external or multi_target. With
//     the built-in catalog the source id names one of the account's
//     manifests, which the update's campaigns deliver; that is checked
//     when a campaign is made of the update, not here, as an external
//     source is not ours to check.
//  2. An update never changes: Campaigner has no route that edits or
//     deletes one.
type Update struct {
	root
	id        UpdateID
	account   AccountID
	spec      UpdateSpec
	createdAt time.Time
}

// UpdateSpec is what a user gives to create an update.
type UpdateSpec struct {
	SourceID    string
	SourceType  UpdateSourceType
	Name        string
	Description string
}

// NewUpdate creates an update (rule 1). The handler appends its one change
// with NoStream, so a second create of the same id fails.
func NewUpdate(id UpdateID, account AccountID, spec UpdateSpec, now time.Time) (*Update, error) {
	const op = "update.Create"
	if err := errors.Join(append([]error{id.Validate(), account.Validate()}, spec.problems()...)...); err != nil {
		return nil, wrap(op, err)
	}
	u := &Update{}
	if err := u.record(UpdateCreated{UpdateID: id, AccountID: account, SourceID: spec.SourceID,
		SourceType: string(spec.SourceType), UpdateName: spec.Name, Description: spec.Description, At: now}); err != nil {
		return nil, wrap(op, err)
	}
	return u, nil
}

// LoadUpdate rebuilds an update from its stream's events. An empty history
// gives an update that does not exist.
func LoadUpdate(history []Event) (*Update, error) {
	u := &Update{}
	if err := u.load(u.apply, history); err != nil {
		return nil, fmt.Errorf("domain.LoadUpdate: %w", err)
	}
	return u, nil
}

// ID returns the update's id.
func (u *Update) ID() UpdateID { return u.id }

// AccountID returns the account the update belongs to.
func (u *Update) AccountID() AccountID { return u.account }

// Spec returns what the update was created with.
func (u *Update) Spec() UpdateSpec { return u.spec }

// CreatedAt returns when the update was created.
func (u *Update) CreatedAt() time.Time { return u.createdAt }

// record applies e and keeps it for appending.
func (u *Update) record(e Event) error { return u.recordWith(u.apply, e) }

// apply changes the update's state by one recorded event.
func (u *Update) apply(e Event) error {
	switch e := e.(type) {
	case UpdateCreated:
		if u.id != "" {
			return fmt.Errorf("update: %s created twice", u.id)
		}
		u.id, u.account, u.createdAt = e.UpdateID, e.AccountID, e.At
		u.spec = UpdateSpec{SourceID: e.SourceID, SourceType: UpdateSourceType(e.SourceType), Name: e.UpdateName, Description: e.Description}
	default:
		return unknownEvent("update", e)
	}
	return nil
}

// problems checks rule 1 and lists every problem.
func (s UpdateSpec) problems() []error {
	var problems []error
	if strings.TrimSpace(s.Name) == "" {
		problems = append(problems, InvalidError{Field: "name", Reason: "must not be blank"})
	}
	if !validID(s.SourceID) {
		problems = append(problems, InvalidError{Field: "updateSource.id", Reason: fmt.Sprintf("%q is not a valid source id (1-128 characters, no spaces or slashes)", s.SourceID)})
	}
	if _, err := ParseUpdateSourceType(string(s.SourceType)); err != nil {
		problems = append(problems, err)
	}
	return append(problems, textProblems(textProblem("name", s.Name, 128, oneLine),
		textProblem("description", s.Description, 2000, freeText))...)
}

// UpdateSourceType says where an update's source lives, as Campaigner
// names it.
type UpdateSourceType string

// The update source types.
const (
	SourceExternal    UpdateSourceType = "external"
	SourceMultiTarget UpdateSourceType = "multi_target"
)

// UpdateSourceTypes lists every update source type.
var UpdateSourceTypes = []UpdateSourceType{SourceExternal, SourceMultiTarget}

// ParseUpdateSourceType parses an update source type.
func ParseUpdateSourceType(s string) (UpdateSourceType, error) {
	return parseEnum("updateSource.sourceType", s, UpdateSourceTypes)
}

// Validate checks the spec as a new update's (rule 1), naming every
// problem: what an adapter calls before it reads anything by its values.
func (s UpdateSpec) Validate() error { return errors.Join(s.problems()...) }
