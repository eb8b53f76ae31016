package engine_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
)

// fakeDirector is the Director, answering through its function fields
// and keeping the calls it got.
type fakeDirector struct {
	assign func(ctx context.Context, devices []domain.DeviceID) ([]domain.DeviceID, error)
	// dryRun answers the dry runs when set; else assign does.
	dryRun func(devices []domain.DeviceID) ([]domain.DeviceID, error)
	cancel func(devices []domain.DeviceID) ([]domain.DeviceID, error)

	mu      sync.Mutex
	assigns []assignCall
	cancels []domain.DeviceID
}

// assignCall is one Assign the fake got.
type assignCall struct {
	Account       domain.AccountID
	CorrelationID string
	Update        string
	Devices       []domain.DeviceID
	DryRun        bool
}

func (f *fakeDirector) Assign(ctx context.Context, account domain.AccountID, correlationID, update string, devices []domain.DeviceID, dryRun bool) ([]domain.DeviceID, error) {
	f.mu.Lock()
	f.assigns = append(f.assigns, assignCall{account, correlationID, update, slices.Clone(devices), dryRun})
	f.mu.Unlock()
	if dryRun && f.dryRun != nil {
		return f.dryRun(devices)
	}
	return f.assign(ctx, devices)
}

func (f *fakeDirector) Cancel(_ context.Context, _ domain.AccountID, devices []domain.DeviceID) ([]domain.DeviceID, error) {
	f.mu.Lock()
	f.cancels = append(f.cancels, devices...)
	f.mu.Unlock()
	return f.cancel(devices)
}

func (f *fakeDirector) assignCalls() []assignCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.assigns)
}

func (f *fakeDirector) cancelled() []domain.DeviceID {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(slices.Values(f.cancels))
}

// affectAll answers every device as affected.
func affectAll(_ context.Context, devices []domain.DeviceID) ([]domain.DeviceID, error) {
	return devices, nil
}

// newDirectorWorld is a world whose engine has director.
func newDirectorWorld(t *testing.T, director *fakeDirector) *world {
	cfg := fast
	cfg.Director = director
	return newWorld(t, cfg)
}

// startUpdateCampaign creates update u1 of manifest m-sensor and campaign
// id delivering it, as /api/v2 does, and starts it.
func (w *world) startUpdateCampaign(id domain.CampaignID) { w.startUpdateCampaignWith(id, false) }

// startUpdateCampaignWith is startUpdateCampaign of a campaign that
// requires its devices' users' consent, or not.
func (w *world) startUpdateCampaignWith(id domain.CampaignID, consent bool) {
	w.startUpdateCampaignOf(id, func(s *domain.CampaignSpec) { s.ConsentRequired = consent })
}

// startUpdateCampaignOf is startUpdateCampaign of a campaign whose spec
// edit changes.
func (w *world) startUpdateCampaignOf(id domain.CampaignID, edit func(*domain.CampaignSpec)) {
	manifest := w.registerManifest("sensor")
	_, err := w.h.CreateUpdate(context.Background(), commands.CreateUpdate{Meta: w.meta(), UpdateID: "u1",
		Spec: domain.UpdateSpec{SourceID: string(manifest), SourceType: domain.SourceExternal, Name: "fw 2"}})
	if err != nil {
		w.t.Fatal(err)
	}
	spec := domain.CampaignSpec{Name: string(id), ManifestID: manifest, DeviceFilter: "state__eq=registered", UpdateID: "u1"}
	edit(&spec)
	if _, err := w.h.CreateCampaign(context.Background(), commands.CreateCampaign{Meta: w.meta(), CampaignID: id, Spec: spec}); err != nil {
		w.t.Fatal(err)
	}
	w.requestStart(id)
}

// waitCounts waits until the campaign's devices per state are want, or
// fails the test showing the difference.
func (w *world) waitCounts(id domain.CampaignID, want map[domain.UpdateState]int) {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		diff := cmp.Diff(want, w.counts(id))
		if diff == "" {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("devices per state (-want +got):\n%s", diff)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Given a Director that affects some devices of a page, when a campaign
// with an update runs, then the page is assigned in the Director under the
// campaign's correlation id and the update's source id, nothing goes on
// the send-manifest queue, the affected devices are assigned and the
// others rejected.
func TestTheDirectorAssignsAPageAndTheDevicesItDoesNotAffectAreRejected(t *testing.T) {
	director := &fakeDirector{assign: func(_ context.Context, devices []domain.DeviceID) ([]domain.DeviceID, error) {
		return slices.DeleteFunc(slices.Clone(devices), func(id domain.DeviceID) bool { return id >= "ok-006" }), nil
	}}
	w := newDirectorWorld(t, director)
	w.register("ok", 8)
	w.startUpdateCampaign("c1")

	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateUpdatedConnectorChannel: 6, domain.UpdateRejected: 2})
	want := []assignCall{{Account: account, CorrelationID: "urn:here-ota:campaign:c1", Update: "m-sensor",
		Devices: []domain.DeviceID{"ok-000", "ok-001", "ok-002", "ok-003", "ok-004", "ok-005", "ok-006", "ok-007"}}}
	if diff := cmp.Diff(want, director.assignCalls()); diff != "" {
		t.Errorf("assignments (-want +got):\n%s", diff)
	}
	if n := w.devices.written(); n != 0 {
		t.Errorf("%d manifest writes through the queue, want none", n)
	}
}

// Given a Director that fails, when a campaign with an update runs, then
// the page's devices fail with ASSIGN_UPDATE_FAILED and the campaign ends.
func TestADirectorFailureFailsThePageWithAssignUpdateFailed(t *testing.T) {
	director := &fakeDirector{assign: func(context.Context, []domain.DeviceID) ([]domain.DeviceID, error) {
		return nil, errors.New("director: status 503 after 5 attempt(s)")
	}}
	w := newDirectorWorld(t, director)
	w.register("ok", 3)
	w.startUpdateCampaign("c1")

	w.waitPhase("c1", domain.PhaseStopped)
	if diff := cmp.Diff(map[domain.UpdateState]int{domain.UpdateFailed: 3}, w.counts("c1")); diff != "" {
		t.Errorf("devices per state (-want +got):\n%s", diff)
	}
	_, updates, err := w.reads.updates("c1")
	if err != nil {
		t.Fatal(err)
	}
	for id, u := range updates {
		if u.FailureCode != engine.AssignFailed {
			t.Errorf("device %s failed with code %q, want %s", id, u.FailureCode, engine.AssignFailed)
		}
	}
}

// Given a Director that assigns a page but whose answer never reaches the
// engine (it stops first), when a new engine assigns the page again and
// the Director answers the devices, now in the first assignment, as not
// affected, then they are not rejected: they stay assigned, awaiting
// their reports.
func TestARestartBetweenAssignAndRecordKeepsTheDevicesAssigned(t *testing.T) {
	var mu sync.Mutex
	running := map[domain.DeviceID]bool{}
	calls, first := 0, make(chan struct{})
	director := &fakeDirector{assign: func(ctx context.Context, devices []domain.DeviceID) ([]domain.DeviceID, error) {
		mu.Lock()
		var affected []domain.DeviceID
		for _, id := range devices {
			if !running[id] {
				running[id] = true
				affected = append(affected, id)
			}
		}
		calls++
		n := calls
		mu.Unlock()
		if n == 1 { // the engine stops before the answer reaches it
			close(first)
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return affected, nil
	}}
	w := newDirectorWorld(t, director)
	w.register("ok", 4)
	w.startUpdateCampaign("c1")
	<-first
	w.stop()
	w.start()

	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateUpdatedConnectorChannel: 4})
	if n := len(director.assignCalls()); n != 2 {
		t.Errorf("%d assignments, want 2: the first, and the page again after the restart", n)
	}
}

// Given a campaign whose devices the Director assigned, when it is
// stopped, then the engine cancels them in the Director, those the
// Director confirms and the others end cancelled, and the campaign ends
// userstopped.
func TestAStopCancelsTheAssignmentsInTheDirector(t *testing.T) {
	director := &fakeDirector{assign: affectAll, cancel: func(devices []domain.DeviceID) ([]domain.DeviceID, error) {
		return slices.DeleteFunc(slices.Clone(devices), func(id domain.DeviceID) bool { return id == "ok-000" }), nil // updating already
	}}
	w := newDirectorWorld(t, director)
	w.register("ok", 3)
	w.startUpdateCampaign("c1")
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateUpdatedConnectorChannel: 3})

	if _, err := w.h.StopCampaign(t.Context(), commands.StopCampaign{Meta: w.meta(), CampaignID: "c1"}); err != nil {
		t.Fatal(err)
	}

	cp := w.waitPhase("c1", domain.PhaseStopped)
	if cp.State() != domain.StateUserStopped {
		t.Errorf("campaign ended as %s, want userstopped", cp.State())
	}
	if diff := cmp.Diff([]domain.DeviceID{"ok-000", "ok-001", "ok-002"}, director.cancelled()); diff != "" {
		t.Errorf("devices cancelled in the Director (-want +got):\n%s", diff)
	}
	_, updates, err := w.reads.updates("c1")
	if err != nil {
		t.Fatal(err)
	}
	got := map[domain.DeviceID]string{}
	for id, u := range updates {
		got[id] = string(u.State) + ": " + u.Reason
	}
	want := map[domain.DeviceID]string{"ok-000": "cancelled: campaign userstopped",
		"ok-001": "cancelled: assignment cancelled in the Director", "ok-002": "cancelled: assignment cancelled in the Director"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("devices (-want +got):\n%s", diff)
	}
}

// Given a Director whose first Cancel fails, when the campaign is stopped,
// then the stop waits for the Director rather than leave its assignments
// running: it cancels again after a backoff, and the campaign ends.
func TestAStopCancelsInTheDirectorAgainAfterAFailure(t *testing.T) {
	var mu sync.Mutex
	failures := 1
	director := &fakeDirector{assign: affectAll, cancel: func(devices []domain.DeviceID) ([]domain.DeviceID, error) {
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			return nil, errors.New("director: no answer after 5 attempt(s)")
		}
		return devices, nil
	}}
	w := newDirectorWorld(t, director)
	w.register("ok", 2)
	w.startUpdateCampaign("c1")
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateUpdatedConnectorChannel: 2})

	if _, err := w.h.StopCampaign(t.Context(), commands.StopCampaign{Meta: w.meta(), CampaignID: "c1"}); err != nil {
		t.Fatal(err)
	}

	w.waitPhase("c1", domain.PhaseStopped)
	if diff := cmp.Diff([]domain.DeviceID{"ok-000", "ok-000", "ok-001", "ok-001"}, director.cancelled()); diff != "" {
		t.Errorf("devices cancelled in the Director, each call (-want +got):\n%s", diff)
	}
	_, updates, err := w.reads.updates("c1")
	if err != nil {
		t.Fatal(err)
	}
	for id, u := range updates {
		if u.State != domain.UpdateCancelled || u.Reason != "assignment cancelled in the Director" {
			t.Errorf("device %s is %s (%s), want cancelled in the Director", id, u.State, u.Reason)
		}
	}
}
