package domain

import (
	"testing"
	"time"
)

// activeWithRollout is an active campaign of 1,000 enrolled devices under
// the sample policy (waves of 100, 50 and 850).
func activeWithRollout() []Event {
	policy := sampleRollout().Normalized()
	return []Event{createdWith(func(e *CampaignCreated) { e.Rollout = &policy }),
		CampaignStartRequested{Phase: PhaseStarting, At: at(1)}, CampaignQuotaAllocated{At: at(1)},
		CampaignManifestChecked{At: at(1)}, CampaignBatchProcessed{Batch: 1, Enrolled: 1000, Last: true, At: at(1)},
		CampaignPublishing{At: at(1)}, CampaignDeploying{At: at(2)}}
}

func TestCampaignWaves(t *testing.T) {
	active := activeWithRollout()
	first := with(active, CampaignWaveStarted{Wave: 1, Size: 100, At: at(2)})
	firstDone := with(first, CampaignWaveSucceeded{Wave: 1, At: at(10)})
	second := with(firstDone, CampaignWaveStarted{Wave: 2, Size: 50, At: at(11)})
	pausedBelow := with(second, CampaignPaused{Cause: PausedByWave, Reason: "below", Wave: 2, At: at(20)})
	last := with(second, CampaignWaveSucceeded{Wave: 2, At: at(20)}, CampaignWaveStarted{Wave: 3, Size: 850, At: at(20)})
	advance := func(tally WaveTally, pending, now int) func(*Campaign) error {
		return func(c *Campaign) error { _, err := c.AdvanceWaves(tally, pending, at(now)); return err }
	}
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "an active campaign starts its first wave", given: active, when: advance(WaveTally{}, 1000, 3),
			then: []Event{CampaignWaveStarted{Wave: 1, Size: 100, At: at(3)}}},
		{name: "a wave below its threshold with devices open waits", given: first,
			when: advance(WaveTally{Started: 100, Open: 10, Deployed: 90}, 900, 5)},
		{name: "a wave at its threshold succeeds", given: first,
			when: advance(WaveTally{Started: 100, Open: 5, Deployed: 95}, 900, 10),
			then: []Event{CampaignWaveSucceeded{Wave: 1, At: at(10)}}},
		{name: "the next wave waits for the soak", given: firstDone, when: advance(WaveTally{Started: 100, Deployed: 100}, 900, 10)},
		{name: "the next wave starts once the soak passed", given: firstDone, when: advance(WaveTally{Started: 100, Deployed: 100}, 900, 11),
			then: []Event{CampaignWaveStarted{Wave: 2, Size: 50, At: at(11)}}},
		{name: "a wave that ended below its threshold pauses the campaign", given: second,
			when: advance(WaveTally{Tally: Tally{Finished: 50, Failed: 11}, Started: 50, Deployed: 39}, 850, 20),
			then: []Event{CampaignPaused{Cause: PausedByWave, Wave: 2, At: at(20),
				Reason: "wave 2 ended with 39 of 50 devices deployed, below its success threshold of 80%"}}},
		{name: "a paused campaign starts no wave", given: pausedBelow, when: advance(WaveTally{Started: 50, Deployed: 39}, 850, 30)},
		{name: "resuming a wave paused below its threshold starts the next wave", given: with(pausedBelow, CampaignResumed{At: at(30)}),
			when: advance(WaveTally{Started: 50, Deployed: 39}, 850, 30), then: []Event{CampaignWaveStarted{Wave: 3, Size: 850, At: at(30)}}},
		{name: "the last wave succeeding starts nothing more", given: with(last, CampaignWaveSucceeded{Wave: 3, At: at(40)}),
			when: advance(WaveTally{Started: 850, Deployed: 850}, 0, 50)},
		{name: "a campaign not yet active starts no wave", given: active[:4], when: advance(WaveTally{}, 1000, 3)},
	})
	c, err := LoadCampaign(firstDone)
	if err != nil {
		t.Fatal(err)
	}
	due, err := c.AdvanceWaves(WaveTally{Started: 100, Deployed: 100}, 900, at(10))
	if err != nil || !due.Equal(at(11)) {
		t.Errorf("the soak ends at %v (%v), want %v", due, err, at(11))
	}
}

func TestCampaignAbortRules(t *testing.T) {
	policy := RolloutPolicy{Abort: []AbortRule{
		{Failure: FailureFailed, Percent: 20, MinFinished: 10, Scope: ScopeWave, Action: ActionPause},
		{Failure: FailureAny, Percent: 10, MinFinished: 100, Scope: ScopeCampaign, Action: ActionStop},
	}}.Normalized()
	active := append([]Event{createdWith(func(e *CampaignCreated) { e.Rollout = &policy })}, activeWithRollout()[1:]...)
	wave2 := with(active, CampaignWaveStarted{Wave: 1, Size: 1000, At: at(2)})
	paused := with(wave2, CampaignPaused{Cause: PausedByRule, Rule: 1, Wave: 1, Reason: "r", At: at(5)})
	check := func(campaign, wave Tally) func(*Campaign) error {
		return func(c *Campaign) error { return c.CheckAbort(campaign, wave, at(6)) }
	}
	badWave := Tally{Finished: 10, Failed: 2}
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "under every threshold nothing happens", given: wave2, when: check(Tally{Finished: 50, Failed: 3}, Tally{Finished: 50, Failed: 3})},
		{name: "a wave rule pauses the campaign with its reason", given: wave2, when: check(Tally{Finished: 10, Failed: 2}, badWave),
			then: []Event{CampaignPaused{Cause: PausedByRule, Rule: 1, Wave: 1, At: at(6),
				Reason: "wave 1: 2 of 10 finished devices failed (20.0%), at or above the threshold of 20% (after 10)"}}},
		{name: "a campaign rule stops it as autostopped", given: wave2, when: check(Tally{Finished: 100, TimedOut: 10}, Tally{Finished: 100, TimedOut: 10}),
			then: []Event{CampaignStopRequested{Reason: StateAutoStopped, At: at(6),
				Detail: "the campaign: 10 of 100 finished devices failed or timed out (10.0%), at or above the threshold of 10% (after 100)"}}},
		{name: "a paused campaign checks nothing", given: paused, when: check(Tally{Finished: 100, Failed: 50}, badWave)},
		{name: "a resume disarms the rule that paused the campaign", given: with(paused, CampaignResumed{At: at(6)}), when: check(badWave, badWave)},
		{name: "a wave rule disarmed in one wave is armed in the next",
			given: with(paused, CampaignResumed{At: at(6)}, CampaignWaveSucceeded{Wave: 1, At: at(6)}, CampaignWaveStarted{Wave: 2, Size: 10, At: at(6)}),
			when:  check(badWave, badWave),
			then: []Event{CampaignPaused{Cause: PausedByRule, Rule: 1, Wave: 2, At: at(6),
				Reason: "wave 2: 2 of 10 finished devices failed (20.0%), at or above the threshold of 20% (after 10)"}}},
	})
	c, err := LoadCampaign(with(wave2, CampaignStopRequested{Reason: StateAutoStopped, Detail: "why", At: at(7)}))
	if err != nil || c.AutostopDetail() != "why" {
		t.Errorf("the autostop detail is %q (%v), want %q", c.AutostopDetail(), err, "why")
	}
}

func TestCampaignPauseAndResume(t *testing.T) {
	active := activeWithRollout()
	paused := with(active, CampaignPaused{Cause: PausedByUser, Reason: "paused by a user", At: at(3)})
	pause := func(c *Campaign) error { return c.Pause("", at(3)) }
	resume := func(c *Campaign) error { return c.Resume(at(4)) }
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "a user pauses an active campaign", given: active, when: pause, then: paused[len(paused)-1:]},
		{name: "a user's reason is kept", given: active, when: func(c *Campaign) error { return c.Pause("night", at(3)) },
			then: []Event{CampaignPaused{Cause: PausedByUser, Reason: "night", At: at(3)}}},
		{name: "a starting campaign pauses too", given: active[:3], when: pause,
			then: []Event{CampaignPaused{Cause: PausedByUser, Reason: "paused by a user", At: at(3)}}},
		{name: "pausing a paused campaign records nothing", given: paused, when: pause},
		{name: "a draft does not pause", given: active[:1], when: pause,
			err: InvalidTransitionError{Object: "campaign", From: "draft/draft", To: "paused"}},
		{name: "a paused campaign resumes", given: paused, when: resume, then: []Event{CampaignResumed{At: at(4)}}},
		{name: "a campaign that is not paused does not resume", given: active, when: resume,
			err: InvalidTransitionError{Object: "campaign", From: "active/deploying", To: "resumed"}},
		{name: "a paused campaign stops", given: paused, when: func(c *Campaign) error { return c.RequestStop(StateUserStopped, at(5)) },
			then: []Event{CampaignStopRequested{Reason: StateUserStopped, At: at(5)}}},
		{name: "a stopping campaign does not resume", given: with(paused, CampaignStopRequested{Reason: StateUserStopped, At: at(5)}), when: resume,
			err: InvalidTransitionError{Object: "campaign", From: "stopping/stopping", To: "resumed"}},
	})
	c, err := LoadCampaign(paused)
	if p, ok := c.Paused(); err != nil || !ok || p.Cause != PausedByUser || c.Phase() != PhaseActive || c.State() != StateDeploying {
		t.Errorf("a paused campaign keeps its phase and state: %v/%v paused %v %+v (%v)", c.Phase(), c.State(), ok, p, err)
	}
}

func TestCampaignRolloutPolicyIsEditedInDraftOnly(t *testing.T) {
	policy := sampleRollout()
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "a draft takes a policy", given: []Event{campaignCreated()},
			when: func(c *Campaign) error { return c.Edit(CampaignEdit{Rollout: &policy}, at(1)) },
			then: []Event{CampaignEdited{CampaignName: "Spring rollout", Description: "sensors to v2", ManifestID: "m1",
				DeviceFilter: "device_class__eq=sensor", Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100,
				Rollout: ptr(policy.Normalized()), At: at(1)}}},
		{name: "an active campaign keeps its policy", given: activeWithRollout(),
			when: func(c *Campaign) error { return c.Edit(CampaignEdit{Rollout: &RolloutPolicy{}}, at(3)) },
			err:  InvalidError{Field: "rollout_policy"}},
		{name: "a bad policy is refused", given: []Event{campaignCreated()},
			when: func(c *Campaign) error {
				return c.Edit(CampaignEdit{Rollout: &RolloutPolicy{Conflict: "fight"}}, at(1))
			},
			err: InvalidError{Field: "rollout_policy.conflict"}},
	})
}

// A resume is remembered with its time: the engine counts device silence
// from it at the earliest (rule 21).
func TestCampaignRemembersItsResume(t *testing.T) {
	paused := with(activeWithRollout(), CampaignWaveStarted{Wave: 1, Size: 100, At: at(2)},
		CampaignPaused{Cause: PausedByUser, Reason: "look", Wave: 1, At: at(3)})
	for _, tc := range []struct {
		name  string
		given []Event
		want  time.Time
	}{
		{name: "a campaign never resumed has no resume", given: paused},
		{name: "a resumed campaign has the resume's time", given: with(paused, CampaignResumed{At: at(5)}), want: at(5)},
		{name: "paused again, it keeps the last resume", given: with(paused, CampaignResumed{At: at(5)},
			CampaignPaused{Cause: PausedByUser, Reason: "again", Wave: 1, At: at(6)}), want: at(5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadCampaign(tc.given)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.ResumedAt(); !got.Equal(tc.want) {
				t.Errorf("resumed at %v, want %v", got, tc.want)
			}
		})
	}
}
