package engine_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
)

// startCampaignWith creates campaign id for class sensor with a rollout
// policy and starts it.
func (w *world) startCampaignWith(id domain.CampaignID, policy domain.RolloutPolicy) {
	spec := domain.CampaignSpec{Name: string(id), ManifestID: w.registerManifest("sensor"), DeviceFilter: "state__eq=registered", Rollout: &policy}
	if _, err := w.h.CreateCampaign(context.Background(), commands.CreateCampaign{Meta: w.meta(), CampaignID: id, Spec: spec}); err != nil {
		w.t.Fatal(err)
	}
	w.requestStart(id)
}

// update reads a device's update in a campaign.
func (w *world) update(id domain.CampaignID, device domain.DeviceID) domain.DeviceUpdate {
	_, updates, err := w.reads.updates(id)
	if err != nil {
		w.t.Fatal(err)
	}
	return updates[device]
}

// sentTo counts the manifest writes a device took.
func (w *world) sentTo(device domain.DeviceID) int {
	w.devices.mu.Lock()
	defer w.devices.mu.Unlock()
	return w.devices.sent[device]
}

// Given a policy retrying result code 9 three attempts in all, a minute
// after the first failure and two after the second, when a device keeps
// failing with 9 and another fails with 5, then the first is sent again
// only once each backoff passed, ends failed after its third attempt,
// and the campaign ends only then; the other is never retried.
func TestFailedDevicesAreRetriedAfterTheirBackoffUpToTheirAttempts(t *testing.T) {
	w := newWorld(t, fast)
	w.register("fail", 1)
	w.register("odd", 1)
	looks := w.progressReads()
	w.startCampaignWith("c1", domain.RolloutPolicy{Retry: &domain.RetryPolicy{On: []domain.FailureKind{domain.FailureFailed},
		Codes: []string{"9"}, MaxAttempts: 3, BackoffSeconds: 60, Factor: 2}})
	failed := func(device domain.DeviceID, attempts int) func() bool {
		return func() bool {
			u := w.update("c1", device)
			return u.State == domain.UpdateFailed && u.Attempts == attempts
		}
	}
	w.waitUntil("both devices failed once", func() bool { return failed("fail-000", 1)() && failed("odd-000", 1)() })

	for _, step := range []struct {
		advance  time.Duration
		attempts int // of fail-000 once the step is over
	}{
		{59 * time.Second, 1}, // the backoff has not passed
		{time.Second, 2},      // a minute after the failure
		{119 * time.Second, 2},
		{time.Second, 3}, // two minutes after the second failure
	} {
		w.clock.Advance(step.advance)
		w.waitLooks(looks)
		w.waitUntil("fail-000's attempts", failed("fail-000", step.attempts))
		if step.attempts == 3 {
			break // the last attempt ends the campaign: the engine looks no more
		}
		w.waitLooks(looks)
		if got := w.sentTo("fail-000"); got != step.attempts {
			t.Errorf("after %s more: fail-000 was sent to %d times, want %d", step.advance, got, step.attempts)
		}
		if cp := w.campaign("c1"); cp.Phase() != domain.PhaseActive {
			t.Fatalf("after %s more: campaign in phase %s while fail-000 waits for a retry", step.advance, cp.Phase())
		}
	}
	w.waitPhase("c1", domain.PhaseStopped)
	if got, want := w.sentTo("fail-000"), 3; got != want {
		t.Errorf("fail-000 was sent to %d times, want %d", got, want)
	}
	w.clock.Advance(time.Hour)
	if got, want := w.sentTo("odd-000"), 1; got != want {
		t.Errorf("odd-000 (code 5, not listed) was sent to %d times, want %d", got, want)
	}
	if u := w.update("c1", "fail-000"); u.State != domain.UpdateFailed || u.Attempts != 3 {
		t.Errorf("fail-000 ended %s after %d attempts, want failed after 3", u.State, u.Attempts)
	}
}

// Given a policy retrying timeouts once, when a silent device times out,
// then it is sent again after the backoff, and the campaign ends once
// the second attempt timed out too.
func TestTimedOutDevicesAreRetried(t *testing.T) {
	w := newWorld(t, fast) // DeviceTimeout: an hour
	w.register("silent", 1)
	w.startCampaignWith("c1", domain.RolloutPolicy{Retry: &domain.RetryPolicy{On: []domain.FailureKind{domain.FailureTimedOut},
		MaxAttempts: 2, BackoffSeconds: 30}})
	w.waitUntil("the send", func() bool { return w.devices.written() == 1 })
	w.silence.Advance(2 * time.Hour)
	w.waitUntil("the timeout", func() bool { return w.update("c1", "silent-000").State == domain.UpdateTimedOut })

	w.clock.Advance(30 * time.Second)
	w.waitUntil("the second send", func() bool { return w.devices.written() == 2 })
	w.waitPhase("c1", domain.PhaseStopped)
	if u := w.update("c1", "silent-000"); u.State != domain.UpdateTimedOut || u.Attempts != 2 {
		t.Errorf("silent-000 ended %s after %d attempts, want timed_out after 2", u.State, u.Attempts)
	}
}

// Given a Director that fails its first assignment, when a campaign with
// an update retries ASSIGN_UPDATE_FAILED, then after the backoff its
// devices are assigned again, in new commands, and are under way.
func TestDevicesTheDirectorFailedAreAssignedAgain(t *testing.T) {
	var calls atomic.Int32
	director := &fakeDirector{assign: func(_ context.Context, devices []domain.DeviceID) ([]domain.DeviceID, error) {
		if calls.Add(1) == 1 {
			return nil, errors.New("director: status 503 after 5 attempt(s)")
		}
		return devices, nil
	}}
	w := newDirectorWorld(t, director)
	w.register("ok", 3)
	manifest := w.registerManifest("sensor")
	if _, err := w.h.CreateUpdate(context.Background(), commands.CreateUpdate{Meta: w.meta(), UpdateID: "u1",
		Spec: domain.UpdateSpec{SourceID: string(manifest), SourceType: domain.SourceExternal, Name: "fw 2"}}); err != nil {
		t.Fatal(err)
	}
	spec := domain.CampaignSpec{Name: "c1", ManifestID: manifest, DeviceFilter: "state__eq=registered", UpdateID: "u1",
		Rollout: &domain.RolloutPolicy{Retry: &domain.RetryPolicy{Codes: []string{engine.AssignFailed}, MaxAttempts: 2, BackoffSeconds: 60}}}
	if _, err := w.h.CreateCampaign(context.Background(), commands.CreateCampaign{Meta: w.meta(), CampaignID: "c1", Spec: spec}); err != nil {
		t.Fatal(err)
	}
	w.requestStart("c1")
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateFailed: 3})

	w.clock.Advance(time.Minute)
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateUpdatedConnectorChannel: 3})
	for _, id := range []domain.DeviceID{"ok-000", "ok-001", "ok-002"} {
		if u := w.update("c1", id); u.Attempts != 2 {
			t.Errorf("%s: %d attempts, want 2", id, u.Attempts)
		}
	}
}
