package commands_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// Given campaign c1 checked over the catalog's d1..d3, when a page read
// from the Device Registry's group g1 holds d1 and r9, which the catalog
// never held, then r9 is registered in g1, of the manifest's class, in
// the same append and enrolled, while d1 keeps its catalog attributes.
func TestARegistryDeviceIsRegisteredInItsGroupOnEnrolment(t *testing.T) {
	w := newWorld(t, openMemstore)
	w.checked()

	w.given(w.h.EnrolDevices(w.ctx, commands.EnrolDevices{Meta: meta("enrol-1"), CampaignID: "c1", Batch: 1,
		Devices: []domain.DeviceID{"r9", "d1"}, Last: true, Group: "g1"}))

	r9 := domain.DeviceStream(acme, "r9")
	want := []domain.Event{
		domain.DeviceRegistered{AccountID: acme, DeviceID: "r9", DeviceClass: "class-a", Groups: []string{"g1"}, Mechanism: "connector", At: now},
		domain.DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: now},
	}
	if diff := cmp.Diff(want, w.events(r9)); diff != "" {
		t.Errorf("stream %s (-want +got):\n%s", r9, diff)
	}
	d1 := w.events(domain.DeviceStream(acme, "d1"))
	if got := d1[0].(domain.DeviceRegistered); !cmp.Equal(got.Groups, []string{"lab"}) || got.DeviceClass != "class-a" || len(d1) != 2 {
		t.Errorf("d1 holds %v, want its registration unchanged and its enrolment", d1)
	}
	if cp, err := w.raw.Campaign(w.ctx, acme, "c1"); err != nil || cp.Enrolled() != 2 || cp.Skipped() != 0 {
		t.Errorf("c1 counts %d enrolled, %d skipped; want 2 and 0 (%v)", cp.Enrolled(), cp.Skipped(), err)
	}
}

// Given campaign c1 checked, when d2 is in two Registry groups and so in
// two pages (and twice in one), then it is enrolled once and the campaign
// counts it once.
func TestADeviceOfSeveralGroupsIsEnrolledAndCountedOnce(t *testing.T) {
	w := newWorld(t, openMemstore)
	w.checked()

	w.given(w.h.EnrolDevices(w.ctx, commands.EnrolDevices{Meta: meta("enrol-1"), CampaignID: "c1", Batch: 1,
		Devices: []domain.DeviceID{"d1", "d2", "d2"}, Cursor: "g1", Group: "g1"}))
	w.given(w.h.EnrolDevices(w.ctx, commands.EnrolDevices{Meta: meta("enrol-2"), CampaignID: "c1", Batch: 2,
		Devices: []domain.DeviceID{"d2", "d3"}, Last: true, Group: "g2"}))

	if got := w.count(d2)["DeviceEnrolled"]; got != 1 {
		t.Errorf("d2 holds %d DeviceEnrolled, want 1", got)
	}
	if cp, err := w.raw.Campaign(w.ctx, acme, "c1"); err != nil || cp.Enrolled() != 3 || cp.Skipped() != 0 {
		t.Errorf("c1 counts %d enrolled, %d skipped; want the 3 devices once each (%v)", cp.Enrolled(), cp.Skipped(), err)
	}
}
