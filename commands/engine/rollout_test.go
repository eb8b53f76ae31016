package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// Given a campaign in three waves whose devices all deploy, the engine
// starts each wave once the one before reached its threshold, the second
// only after the first's soak on the engine's clock, and records each
// device in the wave it was started in.
func TestWavesStartInOrderAfterTheirThresholdAndSoak(t *testing.T) {
	w := newWorld(t, fast)
	w.register("ok", 9)
	looks := w.progressReads()
	w.startRollout("c1", domain.RolloutPolicy{Waves: []domain.Wave{{Count: 3, SoakSeconds: 600}, {Count: 3}, {Count: 3}}})
	w.waitUntil("the first wave succeeds", func() bool {
		return len(w.waveEvents("c1")) == 2
	})
	w.waitLooks(looks)
	if n := w.devices.written(); n != 3 {
		t.Errorf("during the soak %d devices were sent to, want the first wave's 3", n)
	}

	w.clock.Advance(10 * time.Minute)

	w.waitPhase("c1", domain.PhaseStopped)
	want := []string{"CampaignWaveStarted", "CampaignWaveSucceeded", "CampaignWaveStarted", "CampaignWaveSucceeded",
		"CampaignWaveStarted", "CampaignWaveSucceeded"}
	if diff := cmp.Diff(want, w.waveEvents("c1")); diff != "" {
		t.Errorf("rollout events (-want +got):\n%s", diff)
	}
	wantWaves := map[domain.DeviceID]int{"ok-000": 1, "ok-001": 1, "ok-002": 1, "ok-003": 2, "ok-004": 2, "ok-005": 2,
		"ok-006": 3, "ok-007": 3, "ok-008": 3}
	if diff := cmp.Diff(wantWaves, w.waves("c1")); diff != "" {
		t.Errorf("device waves (-want +got):\n%s", diff)
	}
	if got := w.counts("c1")[domain.UpdateDeployed]; got != 9 {
		t.Errorf("%d devices deployed, want 9", got)
	}
}

// Given a first wave whose devices fail, the engine pauses the campaign
// when the wave ends below its threshold and sends to no device of the
// next wave; a user's resume starts the next wave.
func TestAWaveBelowItsThresholdPausesTheCampaign(t *testing.T) {
	w := newWorld(t, fast)
	w.register("fail", 2)
	w.register("ok", 4)
	w.startRollout("c1", domain.RolloutPolicy{Waves: []domain.Wave{{Count: 2}, {Count: 4}}})
	w.waitUntil("the campaign pauses", func() bool { _, paused := w.paused("c1"); return paused })
	w.waitSteps()
	if pause, _ := w.paused("c1"); pause.Cause != domain.PausedByWave || pause.Wave != 1 {
		t.Errorf("paused by %s in wave %d, want by the wave threshold in wave 1", pause.Cause, pause.Wave)
	}
	if n := w.devices.written(); n != 2 {
		t.Errorf("%d devices were sent to, want the first wave's 2", n)
	}

	w.decide("c1", func(cp *domain.Campaign) error { return cp.Resume(w.clock.Now()) })

	w.waitPhase("c1", domain.PhaseStopped)
	if got, want := w.counts("c1"), map[domain.UpdateState]int{domain.UpdateFailed: 2, domain.UpdateDeployed: 4}; !cmp.Equal(got, want) {
		t.Errorf("devices by state %v, want %v", got, want)
	}
}

// Given an abort rule over the campaign's finished devices, the engine
// stops the campaign as autostopped with the rule's explanation once half
// of them failed, or pauses it when the rule says so, sending nothing more.
func TestAnAbortRuleStopsOrPausesTheCampaign(t *testing.T) {
	for _, action := range []domain.RuleAction{domain.ActionStop, domain.ActionPause} {
		t.Run(string(action), func(t *testing.T) {
			w := newWorld(t, fast)
			w.register("fail", 3)
			w.register("ok", 3)
			w.register("silent", 1) // keeps the campaign open: it cannot end before the rule is looked at
			rule := domain.AbortRule{Failure: domain.FailureAny, Percent: 50, MinFinished: 2, Action: action}
			w.startRollout("c1", domain.RolloutPolicy{Abort: []domain.AbortRule{rule}})

			if action == domain.ActionPause {
				w.waitUntil("the campaign pauses", func() bool { _, paused := w.paused("c1"); return paused })
				pause, _ := w.paused("c1")
				if pause.Cause != domain.PausedByRule || pause.Rule != 1 || !strings.HasPrefix(pause.Reason, "the campaign: ") {
					t.Errorf("paused %+v, want by rule 1 with its explanation", pause)
				}
				return
			}
			cp := w.waitPhase("c1", domain.PhaseStopped)
			if cp.State() != domain.StateAutoStopped {
				t.Errorf("stopped as %s, want autostopped", cp.State())
			}
			if d := cp.AutostopDetail(); !strings.HasPrefix(d, "the campaign: ") || !strings.Contains(d, "at or above the threshold of 50%") {
				t.Errorf("autostop reason %q, want the rule's explanation", d)
			}
			_, updates, err := w.reads.updates("c1")
			if err != nil {
				t.Fatal(err)
			}
			if s := updates["silent-000"].State; s != domain.UpdateCancelled {
				t.Errorf("the silent device is %s, want cancelled by the stop", s)
			}
		})
	}
}

// Given a rate of six devices a minute, the engine starts one device at
// once and then one every ten seconds of its clock, however many wait.
func TestTheRateOfAPolicyIsKept(t *testing.T) {
	w := newWorld(t, fast)
	w.register("ok", 20)
	looks := w.progressReads()
	w.startRollout("c1", domain.RolloutPolicy{Rate: &domain.RatePolicy{PerMinute: 6}})
	for _, step := range []struct {
		advance time.Duration
		want    int
	}{{0, 1}, {30 * time.Second, 4}, {time.Minute, 10}, {9 * time.Second, 10}, {time.Second, 11}} {
		w.clock.Advance(step.advance)
		w.waitUntil("the sends", func() bool { return w.devices.written() >= step.want })
		w.waitLooks(looks)
		if n := w.devices.written(); n != step.want {
			t.Fatalf("after %s more, %d devices were started, want %d", step.advance, n, step.want)
		}
	}
}

// Given a paused campaign with silent devices, the engine sends nothing
// and times nothing out, however long the pause; after the resume, a
// device times out only once a whole DeviceTimeout passed since it.
func TestAPausedCampaignSendsNothingAndTimesNothingOut(t *testing.T) {
	w := newWorld(t, fast) // DeviceTimeout: an hour
	w.register("silent", 4)
	w.startRollout("c1", domain.RolloutPolicy{Rate: &domain.RatePolicy{PerMinute: 1}})
	w.waitUntil("the first send", func() bool { return w.devices.written() == 1 })
	w.decide("c1", func(cp *domain.Campaign) error { return cp.Pause("look", w.clock.Now()) })
	w.waitSteps()

	w.clock.Advance(2 * time.Hour)
	w.silence.Advance(2 * time.Hour)
	w.waitSteps()
	if n, out := w.devices.written(), w.counts("c1")[domain.UpdateTimedOut]; n != 1 || out != 0 {
		t.Fatalf("while paused %d devices were sent to and %d timed out, want 1 and 0", n, out)
	}

	w.decide("c1", func(cp *domain.Campaign) error { return cp.Resume(w.clock.Now()) })
	w.waitUntil("the next send", func() bool { return w.devices.written() == 2 })
	w.clock.Advance(59 * time.Minute)
	w.silence.Advance(59 * time.Minute)
	w.waitSteps()
	if out := w.counts("c1")[domain.UpdateTimedOut]; out != 0 {
		t.Fatalf("%d devices timed out before an hour since the resume, want 0", out)
	}

	w.clock.Advance(2 * time.Minute)
	w.silence.Advance(2 * time.Minute)
	w.waitUntil("the timeouts", func() bool { return w.counts("c1")[domain.UpdateTimedOut] == 2 })
	w.waitSteps()
	if out := w.counts("c1")[domain.UpdateTimedOut]; out != 2 {
		t.Errorf("%d devices timed out an hour after the resume, want the 2 sent by then", out)
	}
}

// Given a paused campaign, a stop still stops it, cancelling its devices.
func TestAPausedCampaignStops(t *testing.T) {
	w := newWorld(t, fast)
	w.register("silent", 3)
	w.startRollout("c1", domain.RolloutPolicy{Rate: &domain.RatePolicy{PerMinute: 1}})
	w.waitUntil("the first send", func() bool { return w.devices.written() == 1 })
	w.decide("c1", func(cp *domain.Campaign) error { return cp.Pause("look", w.clock.Now()) })

	if _, err := w.h.StopCampaign(context.Background(), commands.StopCampaign{Meta: w.meta(), CampaignID: "c1"}); err != nil {
		t.Fatal(err)
	}

	w.waitPhase("c1", domain.PhaseStopped)
	if n := w.counts("c1")[domain.UpdateCancelled]; n != 3 {
		t.Errorf("%d devices cancelled, want 3", n)
	}
}

// Given a paused campaign, a user's cancel of a device under way still
// ends it cancelled: a pause holds sends and timeouts, not cancels.
func TestAUsersCancelGoesThroughWhileTheCampaignIsPaused(t *testing.T) {
	w := newWorld(t, fast)
	w.register("silent", 2)
	w.startCampaign("c1")
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateScheduled: 2})
	w.decide("c1", func(cp *domain.Campaign) error { return cp.Pause("look", w.clock.Now()) })

	w.cancelDevices("c1", "silent-000")

	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateCancelled: 1, domain.UpdateScheduled: 1})
}

// Given a campaign assigned in the Director in waves of two whose devices
// report nothing yet, the engine assigns the first wave's two devices
// alone, each recorded in wave 1.
func TestTheDirectorAssignsOneWaveAtATime(t *testing.T) {
	director := &fakeDirector{assign: affectAll}
	w := newDirectorWorld(t, director)
	w.register("ok", 4)
	looks := w.progressReads()
	w.startUpdateCampaignOf("c1", func(s *domain.CampaignSpec) {
		s.Rollout = &domain.RolloutPolicy{Waves: []domain.Wave{{Count: 2}, {Count: 2}}}
	})
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateUpdatedConnectorChannel: 2, domain.UpdatePending: 2})
	w.waitLooks(looks)

	want := map[domain.DeviceID]int{"ok-000": 1, "ok-001": 1, "ok-002": 0, "ok-003": 0}
	if diff := cmp.Diff(want, w.waves("c1")); diff != "" {
		t.Errorf("device waves (-want +got):\n%s", diff)
	}
	var assigned []domain.DeviceID
	for _, call := range director.assignCalls() {
		assigned = append(assigned, call.Devices...)
	}
	if diff := cmp.Diff([]domain.DeviceID{"ok-000", "ok-001"}, assigned); diff != "" {
		t.Errorf("devices assigned in the Director (-want +got):\n%s", diff)
	}
}
