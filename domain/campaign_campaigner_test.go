package domain

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// v2Created is a campaign made through Campaigner's API: update u1 to the
// devices of groups g1 and g2.
func v2Created() CampaignCreated {
	return createdWith(func(e *CampaignCreated) {
		e.UpdateID, e.Groups, e.ConsentRequired = "u1", []string{"g1", "g2"}, true
		e.Metadata = []CampaignMetadata{{Type: MetadataDescription, Value: "spring"}}
	})
}

func TestNewCampaignOfCampaigner(t *testing.T) {
	spec := CampaignSpec{Name: "Spring rollout", Description: "sensors to v2", ManifestID: "m1", DeviceFilter: "device_class__eq=sensor",
		UpdateID: "u1", Groups: []string{"g2", "g1", "g2"}, ConsentRequired: true,
		Metadata: []CampaignMetadata{{Type: MetadataDescription, Value: "spring"}}}
	t.Run("groups are kept sorted and without repeats", func(t *testing.T) {
		c, err := NewCampaign("c1", "acc1", spec, t0)
		checkErr(t, err, nil)
		checkEvents(t, c.Changes(), []Event{v2Created()})
		checkReplay(t, LoadCampaign, c, c.Changes())
	})
	for _, tc := range []struct {
		name string
		edit func(*CampaignSpec)
		err  error
	}{
		{"an empty group is refused", func(s *CampaignSpec) { s.Groups = []string{""} }, InvalidError{Field: "groups[0]"}},
		{"an unknown metadata type is refused", func(s *CampaignSpec) { s.Metadata = []CampaignMetadata{{Type: "COLOUR"}} }, InvalidError{Field: "metadata[0].type"}},
		{"a metadata type given twice is refused", func(s *CampaignSpec) {
			s.Metadata = []CampaignMetadata{{Type: MetadataDescription}, {Type: MetadataDescription}}
		}, InvalidError{Field: "metadata[1].type"}},
		{"an update id with a space is refused", func(s *CampaignSpec) { s.UpdateID = "u 1" }, InvalidError{Field: "update"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec
			tc.edit(&s)
			_, err := NewCampaign("c1", "acc1", s, t0)
			checkErr(t, err, tc.err)
		})
	}
}

func TestCampaignerMetadataIsReplacedInAnyPhase(t *testing.T) {
	started := []Event{v2Created(), CampaignStartRequested{Phase: PhaseStarting, At: at(1)}}
	eta := []CampaignMetadata{{Type: MetadataEstimatedInstallationDuration, Value: "PT10M"}}
	edited := CampaignEdited{CampaignName: "Spring rollout", Description: "sensors to v2", ManifestID: "m1",
		DeviceFilter: "device_class__eq=sensor", Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100,
		UpdateID: "u1", Groups: []string{"g1", "g2"}, Metadata: eta, ConsentRequired: true, At: at(10)}
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "a started campaign's metadata is replaced", given: started,
			when: func(c *Campaign) error { return c.Edit(CampaignEdit{Metadata: &eta}, at(10)) }, then: []Event{edited}},
		{name: "the same metadata again records nothing", given: started,
			when: func(c *Campaign) error {
				return c.Edit(CampaignEdit{Metadata: &[]CampaignMetadata{{Type: MetadataDescription, Value: "spring"}}}, at(10))
			}},
		{name: "a Pelion edit keeps the Campaigner fields", given: started,
			when: func(c *Campaign) error { return c.Edit(CampaignEdit{Name: ptr("Autumn")}, at(10)) },
			then: []Event{func() Event {
				e := edited
				e.CampaignName, e.Metadata = "Autumn", v2Created().Metadata
				return e
			}()}},
	})
}

func TestNewRetryCampaign(t *testing.T) {
	spec := CampaignSpec{Name: "retryCampaignWith-mainCampaign-c1-failureCode-E1", ManifestID: "m1", DeviceFilter: "state__eq=registered",
		UpdateID: "u1", MainCampaignID: "c1", FailureCode: "E1", Devices: []DeviceID{"d3", "d1", "d3"}}
	t.Run("its devices are kept sorted and without repeats, with its main campaign and code", func(t *testing.T) {
		c, err := NewCampaign("r1", "acc1", spec, t0)
		checkErr(t, err, nil)
		want := CampaignCreated{CampaignID: "r1", AccountID: "acc1", CampaignName: spec.Name, ManifestID: "m1",
			DeviceFilter: "state__eq=registered", Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100,
			UpdateID: "u1", MainCampaignID: "c1", FailureCode: "E1", Devices: []DeviceID{"d1", "d3"}, At: t0}
		checkEvents(t, c.Changes(), []Event{want})
		checkReplay(t, LoadCampaign, c, c.Changes())
		if c.MainCampaignID() != "c1" || c.FailureCode() != "E1" {
			t.Errorf("main, code = %q, %q; want c1, E1", c.MainCampaignID(), c.FailureCode())
		}
		got := c.DeviceSelection()
		if diff := cmp.Diff(DeviceSelection{Filter: "state__eq=registered", Devices: []DeviceID{"d1", "d3"}}, got); diff != "" {
			t.Errorf("selection (-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct {
		name string
		edit func(*CampaignSpec)
		err  error
	}{
		{"a retry campaign without devices is refused", func(s *CampaignSpec) { s.Devices = nil }, InvalidError{Field: "devices"}},
		{"a retry campaign without a failure code is refused", func(s *CampaignSpec) { s.FailureCode = "" }, InvalidError{Field: "failureCode"}},
		{"devices without a main campaign are refused", func(s *CampaignSpec) { s.MainCampaignID = "" }, InvalidError{Field: "mainCampaignId"}},
		{"an empty device id is refused", func(s *CampaignSpec) { s.Devices = []DeviceID{""} }, InvalidError{Field: "devices[0]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec
			tc.edit(&s)
			_, err := NewCampaign("r1", "acc1", s, t0)
			checkErr(t, err, tc.err)
		})
	}
}

func TestRetryCampaignKeepsItsTargetsThroughAnEdit(t *testing.T) {
	created := createdWith(func(e *CampaignCreated) {
		e.UpdateID, e.MainCampaignID, e.FailureCode, e.Devices = "u1", "c1", "E1", []DeviceID{"d1"}
	})
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "a rename of a started retry campaign repeats its retry fields", given: []Event{created, CampaignStartRequested{Phase: PhaseStarting, At: at(1)}},
			when: func(c *Campaign) error { return c.Edit(CampaignEdit{Name: ptr("Autumn")}, at(10)) },
			then: []Event{CampaignEdited{CampaignName: "Autumn", Description: created.Description, ManifestID: "m1",
				DeviceFilter: created.DeviceFilter, Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100,
				UpdateID: "u1", MainCampaignID: "c1", FailureCode: "E1", Devices: []DeviceID{"d1"}, At: at(10)}}},
	})
}

func TestCampaignerCancel(t *testing.T) {
	draft := []Event{campaignCreated()}
	starting := with(draft, CampaignStartRequested{Phase: PhaseStarting, At: at(1)})
	stopped := with(starting, CampaignStopRequested{Reason: StateUserStopped, At: at(2)}, CampaignStopped{State: StateUserStopped, At: at(3)})
	cancel := func(c *Campaign) error { return c.Cancel(at(10)) }
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "a draft is stopped at once", given: draft, when: cancel,
			then: []Event{CampaignStopped{State: StateUserStopped, At: at(10)}}},
		{name: "a starting campaign goes to stopping, as a user's stop", given: starting, when: cancel,
			then: []Event{CampaignStopRequested{Reason: StateUserStopped, At: at(10)}}},
		{name: "a stopped campaign is not cancelled again", given: stopped, when: cancel,
			err: InvalidTransitionError{Object: "campaign", From: "stopped/userstopped", To: "cancelled"}},
		{name: "a deleted draft is not found", given: with(draft, CampaignDeleted{At: at(1)}), when: cancel,
			err: NotFoundError{Object: "campaign", ID: "c1"}},
	})
}

func TestACancelledDraftReadsCancelledAndNeverStarts(t *testing.T) {
	// Given a draft cancelled Campaigner's way
	c, err := LoadCampaign([]Event{campaignCreated()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(at(10)); err != nil {
		t.Fatal(err)
	}

	// Then it is cancelled, stopped as a user's stop, and a start is refused
	if got, want := [3]string{string(c.Status()), string(c.Phase()), string(c.State())}, [3]string{"cancelled", "stopped", "userstopped"}; got != want {
		t.Errorf("status, phase, state = %v, want %v", got, want)
	}
	checkErr(t, c.RequestStart(at(11)), InvalidTransitionError{Object: "campaign", From: "stopped/userstopped", To: "started"})
}
