package engine_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
)

// accept has the users of devices accept their updates in campaign id.
func (w *world) accept(id domain.CampaignID, devices ...domain.DeviceID) {
	for _, dev := range devices {
		_, err := w.h.AcceptCampaignUpdate(context.Background(), commands.AcceptCampaignUpdate{Meta: w.meta(), CampaignID: id, DeviceID: dev})
		if err != nil {
			w.t.Fatal(err)
		}
	}
}

// assigned returns the devices the Director was asked to assign, dry runs
// left out.
func (f *fakeDirector) assigned() []domain.DeviceID {
	var out []domain.DeviceID
	for _, c := range f.assignCalls() {
		if !c.DryRun {
			out = append(out, c.Devices...)
		}
	}
	return out
}

// Given a campaign that requires consent, when it runs, then its devices
// await consent: the Director is asked about them in a dry run only, they
// do not time out, and the campaign stays active.
func TestDevicesOfAConsentCampaignAwaitConsentWithoutAssignmentOrTimeout(t *testing.T) {
	director := &fakeDirector{assign: affectAll}
	w := newDirectorWorld(t, director) // DeviceTimeout: an hour
	w.register("ok", 3)
	looks := w.progressReads()
	w.startUpdateCampaignWith("c1", true)
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateAwaitingConsent: 3})

	w.silence.Advance(2 * time.Hour)
	w.clock.Advance(2 * time.Hour)
	w.waitLooks(looks)

	if diff := cmp.Diff(map[domain.UpdateState]int{domain.UpdateAwaitingConsent: 3}, w.counts("c1")); diff != "" {
		t.Errorf("devices per state (-want +got):\n%s", diff)
	}
	want := []assignCall{{Account: account, CorrelationID: "urn:here-ota:campaign:c1", Update: "m-sensor",
		Devices: []domain.DeviceID{"ok-000", "ok-001", "ok-002"}, DryRun: true}}
	if diff := cmp.Diff(want, director.assignCalls()); diff != "" {
		t.Errorf("calls to the Director (-want +got):\n%s", diff)
	}
	if cp := w.campaign("c1"); cp.Phase() != domain.PhaseActive {
		t.Errorf("campaign in phase %s, want active while devices await consent", cp.Phase())
	}
}

// Given a campaign that requires consent, when some devices' users accept,
// then the engine assigns exactly those in the Director: the affected are
// assigned, one no longer affected fails with DEVICE_UPDATE_PROCESS_FAILED,
// and the others still await consent.
func TestAcceptedDevicesAreAssignedAndThoseNoLongerAffectedFail(t *testing.T) {
	director := &fakeDirector{assign: func(_ context.Context, devices []domain.DeviceID) ([]domain.DeviceID, error) {
		return slices.DeleteFunc(slices.Clone(devices), func(id domain.DeviceID) bool { return id == "ok-001" }), nil
	}, dryRun: func(devices []domain.DeviceID) ([]domain.DeviceID, error) { return devices, nil }}
	w := newDirectorWorld(t, director)
	w.register("ok", 4)
	w.startUpdateCampaignWith("c1", true)
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateAwaitingConsent: 4})

	w.accept("c1", "ok-000", "ok-001")

	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateUpdatedConnectorChannel: 1, domain.UpdateFailed: 1, domain.UpdateAwaitingConsent: 2})
	if diff := cmp.Diff([]domain.DeviceID{"ok-000", "ok-001"}, director.assigned()); diff != "" {
		t.Errorf("devices assigned (-want +got):\n%s", diff)
	}
	_, updates, err := w.reads.updates("c1")
	if err != nil {
		t.Fatal(err)
	}
	if u := updates["ok-001"]; u.FailureCode != engine.NoLongerAffected {
		t.Errorf("ok-001 failed with code %q, want %s", u.FailureCode, engine.NoLongerAffected)
	}
}

// Given a campaign that requires consent whose devices await it, when the
// engine restarts, then the new engine assigns none of them.
func TestARestartDoesNotAssignDevicesAwaitingConsent(t *testing.T) {
	director := &fakeDirector{assign: affectAll}
	w := newDirectorWorld(t, director)
	w.register("ok", 3)
	w.startUpdateCampaignWith("c1", true)
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateAwaitingConsent: 3})

	w.stop()
	before := len(director.assignCalls())
	looks := w.progressReads()
	w.start()
	w.waitLooks(looks)

	if calls := director.assignCalls()[before:]; len(calls) != 0 {
		t.Errorf("calls to the Director %v after the restart, want none", calls)
	}
	if diff := cmp.Diff(map[domain.UpdateState]int{domain.UpdateAwaitingConsent: 3}, w.counts("c1")); diff != "" {
		t.Errorf("devices per state (-want +got):\n%s", diff)
	}
}

// Given a Director whose dry run does not affect some devices, or fails,
// when a campaign that requires consent runs, then those devices are
// rejected, or fail with ASSIGN_UPDATE_FAILED, rather than await consent.
func TestTheDryRunBeforeConsentRejectsOrFailsDevices(t *testing.T) {
	for _, c := range []struct {
		name   string
		dryRun func([]domain.DeviceID) ([]domain.DeviceID, error)
		want   map[domain.UpdateState]int
	}{
		{"devices it does not affect are rejected", func(devices []domain.DeviceID) ([]domain.DeviceID, error) {
			return slices.DeleteFunc(slices.Clone(devices), func(id domain.DeviceID) bool { return id == "ok-001" }), nil
		}, map[domain.UpdateState]int{domain.UpdateAwaitingConsent: 2, domain.UpdateRejected: 1}},
		{"a failure fails the page", func([]domain.DeviceID) ([]domain.DeviceID, error) {
			return nil, errors.New("director: status 503 after 5 attempt(s)")
		}, map[domain.UpdateState]int{domain.UpdateFailed: 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			director := &fakeDirector{assign: affectAll, dryRun: c.dryRun}
			w := newDirectorWorld(t, director)
			w.register("ok", 3)
			w.startUpdateCampaignWith("c1", true)

			w.waitCounts("c1", c.want)
			if got := director.assigned(); len(got) != 0 {
				t.Errorf("devices assigned %v, want none before consent", got)
			}
		})
	}
}

// Given a campaign that requires consent without a Director, and devices
// that do not answer yet, when more users accept than MaxInFlight allows,
// then the engine sends the manifest to accepted devices only, MaxInFlight
// at a time: devices awaiting consent never counted against it.
func TestAcceptedDevicesAreSentToWithinMaxInFlight(t *testing.T) {
	cfg := fast
	cfg.MaxInFlight = 2
	w := newWorld(t, cfg)
	w.devices.setHold(true)
	w.register("ok", 5)
	looks := w.progressReads()
	w.startUpdateCampaignWith("c1", true)
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateAwaitingConsent: 5})

	w.accept("c1", "ok-000", "ok-002", "ok-004")

	w.waitUntil("the first sends", func() bool { return w.devices.written() >= 2 })
	w.waitLooks(looks)
	if diff := cmp.Diff(map[domain.UpdateState]int{domain.UpdateScheduled: 2, domain.UpdateAccepted: 1, domain.UpdateAwaitingConsent: 2},
		w.counts("c1")); diff != "" {
		t.Errorf("devices per state while 2 are in flight (-want +got):\n%s", diff)
	}
	w.devices.setHold(false)
	w.devices.release()
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateDeployed: 3, domain.UpdateAwaitingConsent: 2})
}

// Given a campaign that requires consent with devices awaiting consent and
// accepted, when it is stopped, then they end cancelled without a call to
// the Director, which never had them, and the campaign stops.
func TestAStopCancelsDevicesAwaitingConsentWithoutTheDirector(t *testing.T) {
	director := &fakeDirector{assign: affectAll, cancel: func(devices []domain.DeviceID) ([]domain.DeviceID, error) { return devices, nil }}
	w := newDirectorWorld(t, director)
	w.register("ok", 3)
	w.startUpdateCampaignWith("c1", true)
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateAwaitingConsent: 3})

	if _, err := w.h.StopCampaign(t.Context(), commands.StopCampaign{Meta: w.meta(), CampaignID: "c1"}); err != nil {
		t.Fatal(err)
	}

	w.waitPhase("c1", domain.PhaseStopped)
	if diff := cmp.Diff(map[domain.UpdateState]int{domain.UpdateCancelled: 3}, w.counts("c1")); diff != "" {
		t.Errorf("devices per state (-want +got):\n%s", diff)
	}
	if got := director.cancelled(); len(got) != 0 {
		t.Errorf("devices cancelled in the Director %v, want none", got)
	}
}
