package domain

import (
	"slices"
	"testing"
)

func TestCampaignStartAndApproval(t *testing.T) {
	draft := []Event{campaignCreated()}
	timedDraft := []Event{createdWith(func(e *CampaignCreated) { e.When = ptr(at(60)) })}
	approvalDraft := []Event{createdWith(func(e *CampaignCreated) { e.ApprovalRequired, e.When = true, ptr(at(60)) })}
	awaiting := with(approvalDraft, CampaignStartRequested{Phase: PhaseAwaitingApproval, At: at(1)})
	timed := with(timedDraft, CampaignStartRequested{Phase: PhaseTimed, At: at(1)})
	start := func(now int) func(*Campaign) error { return func(c *Campaign) error { return c.RequestStart(at(now)) } }
	approve := func(now int) func(*Campaign) error { return func(c *Campaign) error { return c.Approve(at(now)) } }
	begin := func(now int) func(*Campaign) error {
		return func(c *Campaign) error { return c.BeginTimedStart(at(now)) }
	}
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "a draft without a start time starts at once", given: draft, when: start(1),
			then: []Event{CampaignStartRequested{Phase: PhaseStarting, At: at(1)}}},
		{name: "a draft whose time is ahead becomes timed", given: timedDraft, when: start(1),
			then: []Event{CampaignStartRequested{Phase: PhaseTimed, At: at(1)}}},
		{name: "a draft whose time is now starts at once", given: timedDraft, when: start(60),
			then: []Event{CampaignStartRequested{Phase: PhaseStarting, At: at(60)}}},
		{name: "a draft whose time has passed starts at once", given: timedDraft, when: start(61),
			then: []Event{CampaignStartRequested{Phase: PhaseStarting, At: at(61)}}},
		{name: "a draft needing approval awaits it, whatever its time", given: approvalDraft, when: start(90),
			then: []Event{CampaignStartRequested{Phase: PhaseAwaitingApproval, At: at(90)}}},
		{name: "a started campaign does not start again", given: timed, when: start(2),
			err: InvalidTransitionError{Object: "campaign", From: "timed/scheduled", To: "started"}},
		{name: "approval before the campaign's time makes it timed", given: awaiting, when: approve(2),
			then: []Event{CampaignApproved{Phase: PhaseTimed, At: at(2)}}},
		{name: "approval after the campaign's time starts it", given: awaiting, when: approve(60),
			then: []Event{CampaignApproved{Phase: PhaseStarting, At: at(60)}}},
		{name: "a draft is not approved", given: approvalDraft, when: approve(2),
			err: InvalidTransitionError{Object: "campaign", From: "draft/draft", To: "approved"}},
		{name: "a timed campaign begins starting at its time", given: timed, when: begin(60),
			then: []Event{CampaignStarting{At: at(60)}}},
		{name: "a timed campaign does not begin before its time", given: timed, when: begin(59),
			err: InvalidError{Field: "when"}},
		{name: "only a timed campaign begins a timed start", given: draft, when: begin(60),
			err: InvalidTransitionError{Object: "campaign", From: "draft/draft", To: "starting"}},
	})
}

func TestCampaignStop(t *testing.T) {
	draft := []Event{campaignCreated()}
	timed := with([]Event{createdWith(func(e *CampaignCreated) { e.When = ptr(at(60)) })}, CampaignStartRequested{Phase: PhaseTimed, At: at(1)})
	awaiting := with(draft, CampaignStartRequested{Phase: PhaseAwaitingApproval, At: at(1)})
	starting := with(draft, CampaignStartRequested{Phase: PhaseStarting, At: at(1)})
	active := with(starting, CampaignQuotaAllocated{At: at(2)}, CampaignManifestChecked{At: at(3)},
		CampaignBatchProcessed{Batch: 1, Last: true, At: at(4)}, CampaignPublishing{At: at(5)}, CampaignDeploying{At: at(6)})
	stopping := with(active, CampaignStopRequested{Reason: StateUserStopped, At: at(7)})
	stopped := with(stopping, CampaignStopped{State: StateUserStopped, At: at(8)})
	stop := func(reason State) func(*Campaign) error {
		return func(c *Campaign) error { return c.RequestStop(reason, at(10)) }
	}
	removeManifest := func(c *Campaign) error { return c.RemoveManifest(at(10)) }
	complete := func(final State) func(*Campaign) error {
		return func(c *Campaign) error { return c.CompleteStop(final, at(10)) }
	}
	cases := []scenario[*Campaign]{
		{name: "a user stop of a timed campaign stops it at once", given: timed, when: stop(StateUserStopped),
			then: []Event{CampaignStopped{State: StateUserStopped, At: at(10)}}},
		{name: "a user stop of a campaign awaiting approval stops it at once", given: awaiting, when: stop(StateUserStopped),
			then: []Event{CampaignStopped{State: StateUserStopped, At: at(10)}}},
		{name: "a user stop of a starting campaign asks the engine to stop it", given: starting, when: stop(StateUserStopped),
			then: []Event{CampaignStopRequested{Reason: StateUserStopped, At: at(10)}}},
		{name: "an expiry of an active campaign asks the engine to stop it", given: active, when: stop(StateExpired),
			then: []Event{CampaignStopRequested{Reason: StateExpired, At: at(10)}}},
		{name: "a conflict stops a timed campaign at once", given: timed, when: stop(StateConflict),
			then: []Event{CampaignStopped{State: StateConflict, At: at(10)}}},
		{name: "a second stop while stopping records nothing", given: stopping, when: stop(StateExpired)},
		{name: "a draft is not stopped", given: draft, when: stop(StateUserStopped),
			err: InvalidTransitionError{Object: "campaign", From: "draft/draft", To: "stopping"}},
		{name: "a stopped campaign is not stopped again", given: stopped, when: stop(StateUserStopped),
			err: InvalidTransitionError{Object: "campaign", From: "stopped/userstopped", To: "stopping"}},
		{name: "a stop gives a reason to stop", given: active, when: stop(StateDeployed), err: InvalidError{Field: "reason"}},
		{name: "a removed manifest stops an active campaign through stopping", given: active, when: removeManifest,
			then: []Event{CampaignStopRequested{Reason: StateManifestRemoved, At: at(10)}}},
		{name: "a removed manifest stops a timed campaign at once", given: timed, when: removeManifest,
			then: []Event{CampaignStopped{State: StateManifestRemoved, At: at(10)}}},
		{name: "a removed manifest leaves a draft as it is", given: draft, when: removeManifest},
		{name: "a removed manifest leaves a stopped campaign as it is", given: stopped, when: removeManifest},
		{name: "an archived campaign is not stopped by a manifest removal, nor refused", given: with(stopped, CampaignArchived{At: at(9)}), when: removeManifest},
		{name: "the engine completes a stop with the state it was asked for", given: stopping, when: complete(StateUserStopped),
			then: []Event{CampaignStopped{State: StateUserStopped, At: at(10)}}},
		{name: "the engine completes a stop only while stopping", given: active, when: complete(StateUserStopped),
			err: InvalidTransitionError{Object: "campaign", From: "active/deploying", To: "stopped"}},
		{name: "a stop completes with a final state", given: stopping, when: complete(StateStopping), err: InvalidError{Field: "state"}},
	}
	for _, final := range finalStates {
		cases = append(cases, scenario[*Campaign]{name: "a stop completes as " + string(final), given: stopping, when: complete(final),
			then: []Event{CampaignStopped{State: final, At: at(10)}}})
	}
	runScenarios(t, LoadCampaign, cases)
}

func TestCampaignArchiveAndDelete(t *testing.T) {
	draft := []Event{campaignCreated()}
	timed := with([]Event{createdWith(func(e *CampaignCreated) { e.When = ptr(at(60)) })}, CampaignStartRequested{Phase: PhaseTimed, At: at(1)})
	active := with(draft, CampaignStartRequested{Phase: PhaseStarting, At: at(1)}, CampaignQuotaAllocated{At: at(2)},
		CampaignManifestChecked{At: at(3)}, CampaignBatchProcessed{Batch: 1, Last: true, At: at(4)}, CampaignPublishing{At: at(5)},
		CampaignDeploying{At: at(6)})
	stopped := with(active, CampaignStopped{State: StateDeployed, At: at(7)})
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "a stopped campaign is archived", given: stopped, when: func(c *Campaign) error { return c.Archive(at(10)) },
			then: []Event{CampaignArchived{At: at(10)}}},
		{name: "an active campaign is not archived", given: active, when: func(c *Campaign) error { return c.Archive(at(10)) },
			err: InvalidTransitionError{Object: "campaign", From: "active/deploying", To: "archived"}},
		{name: "a draft is deleted", given: draft, when: func(c *Campaign) error { return c.Delete(at(10)) },
			then: []Event{CampaignDeleted{At: at(10)}}},
		{name: "a stopped campaign is deleted", given: stopped, when: func(c *Campaign) error { return c.Delete(at(10)) },
			then: []Event{CampaignDeleted{At: at(10)}}},
		{name: "an archived campaign is deleted", given: with(stopped, CampaignArchived{At: at(8)}),
			when: func(c *Campaign) error { return c.Delete(at(10)) }, then: []Event{CampaignDeleted{At: at(10)}}},
		{name: "an active campaign is not deleted", given: active, when: func(c *Campaign) error { return c.Delete(at(10)) },
			err: InvalidTransitionError{Object: "campaign", From: "active/deploying", To: "deleted"}},
		{name: "a timed campaign is not deleted", given: timed, when: func(c *Campaign) error { return c.Delete(at(10)) },
			err: InvalidTransitionError{Object: "campaign", From: "timed/scheduled", To: "deleted"}},
		{name: "a deleted campaign is not deleted again", given: with(draft, CampaignDeleted{At: at(1)}),
			when: func(c *Campaign) error { return c.Delete(at(10)) }, err: NotFoundError{Object: "campaign", ID: "c1"}},
		{name: "an archived campaign is not archived again", given: with(stopped, CampaignArchived{At: at(8)}),
			when: func(c *Campaign) error { return c.Archive(at(10)) },
			err:  InvalidTransitionError{Object: "campaign", From: "archived/deployed", To: "archived"}},
	})
}

// finalStates are the ways a campaign ends, written out here so that a
// change to State.Final shows up as a failing test.
var finalStates = []State{StateUserStopped, StateManifestRemoved, StateExpired, StateConflict,
	StateAutoStopped, StateDeployed, StateQuotaAllocationFailed}

func TestStateFinalAndStopReasonCoverEveryState(t *testing.T) {
	stopReasons := []State{StateUserStopped, StateManifestRemoved, StateExpired, StateConflict}
	for _, s := range States {
		if got, want := s.Final(), slices.Contains(finalStates, s); got != want {
			t.Errorf("%s.Final() = %v, want %v", s, got, want)
		}
		if got, want := s.StopReason(), slices.Contains(stopReasons, s); got != want {
			t.Errorf("%s.StopReason() = %v, want %v", s, got, want)
		}
	}
}
