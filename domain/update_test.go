package domain

import (
	"strings"
	"testing"
)

// updateCreated is the creation of update u1 from manifest m1.
func updateCreated() UpdateCreated {
	return UpdateCreated{UpdateID: "u1", AccountID: "acc1", SourceID: "m1", SourceType: "external", UpdateName: "fw 2", At: t0}
}

func TestNewUpdate(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec func(*UpdateSpec)
		then []Event
		err  error
	}{
		{name: "an update of an external source is recorded", spec: func(*UpdateSpec) {}, then: []Event{updateCreated()}},
		{name: "a multi_target source is recorded", spec: func(s *UpdateSpec) { s.SourceType = SourceMultiTarget },
			then: []Event{func() Event { e := updateCreated(); e.SourceType = "multi_target"; return e }()}},
		{name: "a blank name is refused", spec: func(s *UpdateSpec) { s.Name = " " }, err: InvalidError{Field: "name"}},
		{name: "a description of 2001 characters is refused", spec: func(s *UpdateSpec) { s.Description = strings.Repeat("a", 2001) }, err: InvalidError{Field: "description"}},
		{name: "a missing source id is refused", spec: func(s *UpdateSpec) { s.SourceID = "" }, err: InvalidError{Field: "updateSource.id"}},
		{name: "an unknown source type is refused", spec: func(s *UpdateSpec) { s.SourceType = "ftp" }, err: InvalidError{Field: "updateSource.sourceType"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := UpdateSpec{SourceID: "m1", SourceType: SourceExternal, Name: "fw 2"}
			tc.spec(&spec)
			u, err := NewUpdate("u1", "acc1", spec, t0)
			checkErr(t, err, tc.err)
			if err != nil {
				return
			}
			checkEvents(t, u.Changes(), tc.then)
			checkReplay(t, LoadUpdate, u, u.Changes())
		})
	}
}

func TestUpdateApplyKeepsItsStreamWhole(t *testing.T) {
	if _, err := LoadUpdate([]Event{updateCreated(), updateCreated()}); err == nil {
		t.Error("a stream created twice loaded")
	}
	if _, err := LoadUpdate([]Event{updateCreated(), ManifestDeleted{}}); err == nil {
		t.Error("a stream holding another aggregate's event loaded")
	}
}
