package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// campaignCreated is the creation of campaign c1 with Pelion's defaults.
func campaignCreated() CampaignCreated {
	return CampaignCreated{CampaignID: "c1", AccountID: "acc1", CampaignName: "Spring rollout",
		Description: "sensors to v2", ManifestID: "m1", DeviceFilter: "device_class__eq=sensor",
		Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100, At: t0}
}

// with returns history followed by events, leaving history as it was.
func with(history []Event, events ...Event) []Event {
	return append(slices.Clone(history), events...)
}

// createdWith is campaignCreated changed by edit.
func createdWith(edit func(*CampaignCreated)) CampaignCreated {
	e := campaignCreated()
	edit(&e)
	return e
}

func TestNewCampaign(t *testing.T) {
	spec := CampaignSpec{Name: "Spring rollout", Description: "sensors to v2", ManifestID: "m1", DeviceFilter: "device_class__eq=sensor"}
	for _, tc := range []struct {
		name string
		id   CampaignID
		spec func(*CampaignSpec)
		then []Event
		err  error
	}{
		{name: "a minimal spec takes Pelion's defaults", spec: func(*CampaignSpec) {},
			then: []Event{campaignCreated()}},
		{name: "every field set is recorded as given",
			spec: func(s *CampaignSpec) {
				s.Strategy, s.ApprovalRequired, s.Autostop, s.AutostopSuccessPercent, s.When = StrategyContinuous, true, ptr(false), ptr(0.0), ptr(at(60))
			},
			then: []Event{createdWith(func(e *CampaignCreated) {
				e.Strategy, e.ApprovalRequired, e.Autostop, e.AutostopSuccessPercent, e.When = "continuous", true, false, 0, ptr(at(60))
			})}},
		{name: "a zero start time means no start time", spec: func(s *CampaignSpec) { s.When = ptr(time.Time{}) },
			then: []Event{campaignCreated()}},
		{name: "a name of 128 characters is accepted", spec: func(s *CampaignSpec) { s.Name = strings.Repeat("é", 128) },
			then: []Event{createdWith(func(e *CampaignCreated) { e.CampaignName = strings.Repeat("é", 128) })}},
		{name: "an empty name is refused", spec: func(s *CampaignSpec) { s.Name = "" }, err: InvalidError{Field: "name"}},
		{name: "a blank name is refused", spec: func(s *CampaignSpec) { s.Name = "   " }, err: InvalidError{Field: "name"}},
		{name: "a name of 129 characters is refused", spec: func(s *CampaignSpec) { s.Name = strings.Repeat("a", 129) }, err: InvalidError{Field: "name"}},
		{name: "a description of 2001 characters is refused", spec: func(s *CampaignSpec) { s.Description = strings.Repeat("a", 2001) }, err: InvalidError{Field: "description"}},
		{name: "a missing manifest id is refused", spec: func(s *CampaignSpec) { s.ManifestID = "" }, err: InvalidError{Field: "root_manifest_id"}},
		{name: "a manifest id with a slash is refused", spec: func(s *CampaignSpec) { s.ManifestID = "a/b" }, err: InvalidError{Field: "root_manifest_id"}},
		{name: "an empty device filter is refused", spec: func(s *CampaignSpec) { s.DeviceFilter = " " }, err: InvalidError{Field: "device_filter"}},
		{name: "an unknown strategy is refused", spec: func(s *CampaignSpec) { s.Strategy = "big-bang" }, err: InvalidError{Field: "campaign_strategy"}},
		{name: "an autostop percent above 100 is refused", spec: func(s *CampaignSpec) { s.AutostopSuccessPercent = ptr(100.5) }, err: InvalidError{Field: "autostop_success_percent"}},
		{name: "a negative autostop percent is refused", spec: func(s *CampaignSpec) { s.AutostopSuccessPercent = ptr(-1.0) }, err: InvalidError{Field: "autostop_success_percent"}},
		{name: "an invalid campaign id is refused", id: "c 1", spec: func(*CampaignSpec) {}, err: InvalidError{Field: "campaign_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, id := spec, tc.id
			tc.spec(&s)
			if id == "" {
				id = "c1"
			}
			c, err := NewCampaign(id, "acc1", s, t0)
			checkErr(t, err, tc.err)
			if err != nil {
				return
			}
			checkEvents(t, c.Changes(), tc.then)
			checkReplay(t, LoadCampaign, c, c.Changes())
		})
	}
}

func TestNewCampaignReportsEveryProblem(t *testing.T) {
	_, err := NewCampaign("c1", "acc1", CampaignSpec{AutostopSuccessPercent: ptr(101.0)}, t0)
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("got error %v, want the joined problems", err)
	}
	var fields []string
	for _, e := range joined.Unwrap() {
		fields = append(fields, e.(InvalidError).Field)
	}
	want := []string{"name", "root_manifest_id", "device_filter", "autostop_success_percent"}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("got invalid fields %v, want %v (-want +got):\n%s", fields, want, diff)
	}
}

func TestCampaignEdit(t *testing.T) {
	draft := []Event{campaignCreated()}
	active := with(draft, CampaignStartRequested{Phase: PhaseStarting, At: at(1)}, CampaignQuotaAllocated{At: at(2)},
		CampaignManifestChecked{At: at(3)}, CampaignBatchProcessed{Batch: 1, Last: true, At: at(4)},
		CampaignPublishing{At: at(5)}, CampaignDeploying{At: at(6)})
	allFields := CampaignEdit{Name: ptr("Autumn"), Description: ptr(""), ManifestID: ptr(ManifestID("m2")),
		DeviceFilter: ptr("id__eq=d1"), Strategy: ptr(StrategyContinuous), ApprovalRequired: ptr(true),
		Autostop: ptr(false), AutostopSuccessPercent: ptr(50.0), When: ptr(at(90))}
	allEdited := CampaignEdited{CampaignName: "Autumn", ManifestID: "m2", DeviceFilter: "id__eq=d1",
		Strategy: "continuous", ApprovalRequired: true, AutostopSuccessPercent: 50, When: ptr(at(90)), At: at(10)}
	unchanged := CampaignEdited{CampaignName: "Spring rollout", Description: "sensors to v2", ManifestID: "m1",
		DeviceFilter: "device_class__eq=sensor", Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100}
	renamed := unchanged
	renamed.CampaignName, renamed.Description, renamed.At = "Renamed", "new words", at(10)
	edit := func(e CampaignEdit) func(*Campaign) error {
		return func(c *Campaign) error { return c.Edit(e, at(10)) }
	}
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "in draft every field changes", given: draft, when: edit(allFields), then: []Event{allEdited}},
		{name: "in draft a zero when removes the start time",
			given: []Event{createdWith(func(e *CampaignCreated) { e.When = ptr(at(60)) })},
			when:  edit(CampaignEdit{When: ptr(time.Time{})}),
			then:  []Event{CampaignEdited{CampaignName: "Spring rollout", Description: "sensors to v2", ManifestID: "m1", DeviceFilter: "device_class__eq=sensor", Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100, At: at(10)}}},
		{name: "an edit to the same values records nothing", given: active,
			when: edit(CampaignEdit{Name: ptr("Spring rollout"), DeviceFilter: ptr("device_class__eq=sensor"), When: ptr(time.Time{})})},
		{name: "when active the name and description change", given: active,
			when: edit(CampaignEdit{Name: ptr("Renamed"), Description: ptr("new words")}), then: []Event{renamed}},
		{name: "when active the other fields may be sent back unchanged", given: active,
			when: edit(CampaignEdit{Name: ptr("Renamed"), Description: ptr("new words"), ManifestID: ptr(ManifestID("m1")), Autostop: ptr(true)}), then: []Event{renamed}},
		{name: "when active the device filter does not change", given: active,
			when: edit(CampaignEdit{DeviceFilter: ptr("id__eq=d1")}), err: InvalidError{Field: "device_filter"}},
		{name: "when active the start time does not change", given: active,
			when: edit(CampaignEdit{When: ptr(at(90))}), err: InvalidError{Field: "when"}},
		{name: "when active the manifest does not change", given: active,
			when: edit(CampaignEdit{ManifestID: ptr(ManifestID("m2"))}), err: InvalidError{Field: "root_manifest_id"}},
		{name: "an edit breaking rule 1 is refused even in draft", given: draft,
			when: edit(CampaignEdit{Name: ptr("")}), err: InvalidError{Field: "name"}},
		{name: "a deleted campaign is not found", given: with(draft, CampaignDeleted{At: at(1)}),
			when: edit(CampaignEdit{Name: ptr("x")}), err: NotFoundError{Object: "campaign", ID: "c1"}},
		{name: "a campaign never created is not found", when: edit(CampaignEdit{Name: ptr("x")}), err: NotFoundError{Object: "campaign"}},
	})
}
