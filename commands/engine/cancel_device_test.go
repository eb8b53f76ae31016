package engine_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// cancelDevices asks, as a user, to cancel devices of campaign.
func (w *world) cancelDevices(campaign domain.CampaignID, devices ...domain.DeviceID) {
	w.t.Helper()
	for _, id := range devices {
		if _, err := w.h.CancelDeviceUpdate(w.t.Context(), commands.CancelDeviceUpdate{Meta: w.meta(), CampaignID: campaign, DeviceID: id}); err != nil {
			w.t.Fatal(err)
		}
	}
}

// statesAndReasons reads each device of the campaign as "state: reason".
func (w *world) statesAndReasons(campaign domain.CampaignID) map[domain.DeviceID]string {
	w.t.Helper()
	_, updates, err := w.reads.updates(campaign)
	if err != nil {
		w.t.Fatal(err)
	}
	got := map[domain.DeviceID]string{}
	for id, u := range updates {
		got[id] = string(u.State) + ": " + u.Reason
	}
	return got
}

// Given devices the Director assigned, when a user cancels two of them,
// then the engine cancels them in the Director: the one it confirms ends
// cancelled, the one updating already goes on; the third is not touched.
// After a restart the request still stands, and the Director is asked
// again about the one left, not about the one cancelled.
func TestAUsersCancelOfADeviceGoesThroughTheDirector(t *testing.T) {
	director := &fakeDirector{assign: affectAll, cancel: func(devices []domain.DeviceID) ([]domain.DeviceID, error) {
		return slices.DeleteFunc(slices.Clone(devices), func(id domain.DeviceID) bool { return id == "ok-001" }), nil // updating already
	}}
	w := newDirectorWorld(t, director)
	w.register("ok", 3)
	w.startUpdateCampaign("c1")
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateUpdatedConnectorChannel: 3})

	w.cancelDevices("c1", "ok-000", "ok-001")

	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateCancelled: 1, domain.UpdateUpdatedConnectorChannel: 2})
	want := map[domain.DeviceID]string{"ok-000": "cancelled: assignment cancelled in the Director",
		"ok-001": "updated_connector_channel: assigned in the Director", "ok-002": "updated_connector_channel: assigned in the Director"}
	if diff := cmp.Diff(want, w.statesAndReasons("c1")); diff != "" {
		t.Errorf("devices (-want +got):\n%s", diff)
	}
	w.waitUntil("the Director asked about both", func() bool { return len(director.cancelled()) >= 2 })

	w.stop()
	w.start()
	w.waitUntil("the Director asked again after the restart", func() bool { return len(director.cancelled()) >= 3 })
	if diff := cmp.Diff([]domain.DeviceID{"ok-000", "ok-001", "ok-001"}, director.cancelled()); diff != "" {
		t.Errorf("devices cancelled in the Director, each call (-want +got):\n%s", diff)
	}
}

// Given a campaign whose manifests go through the send-manifest queue,
// when a user cancels a device under way, then the engine ends it
// cancelled.
func TestAUsersCancelOfADeviceWithoutADirectorEndsItCancelled(t *testing.T) {
	w := newWorld(t, fast)
	w.register("silent", 2) // written to, never answering
	w.startCampaign("c1")
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateScheduled: 2})

	w.cancelDevices("c1", "silent-000")

	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateCancelled: 1, domain.UpdateScheduled: 1})
	if got := w.statesAndReasons("c1")["silent-000"]; got != "cancelled: cancelled by its user" {
		t.Errorf("silent-000 is %q, want cancelled by its user", got)
	}
}
