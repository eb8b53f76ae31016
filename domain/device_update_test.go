package domain

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wantUpdateTransitions is the update state machine written out by hand,
// apart from updateTransitions, so that changing the table takes changing
// this test too.
var wantUpdateTransitions = []string{
	"pending→awaiting_consent", "pending→scheduled", "pending→rejected",
	"awaiting_consent→accepted", "accepted→scheduled",
	"scheduled→updated_connector_channel", "scheduled→failed_connector_channel_update", "scheduled→rejected",
	"updated_connector_channel→downloading", "updated_connector_channel→installing", "updated_connector_channel→deployed",
	"downloading→installing", "downloading→deployed",
	"installing→deployed",
	"queued→pending", "queued→cancelled", "queued→manifestremoved", "queued→deregistered",
}

// wantAllowedUpdate reports whether the hand-written machine allows from→to:
// the listed steps, and any abort from a state that is not terminal.
func wantAllowedUpdate(from, to UpdateState) bool {
	if slices.Contains(wantUpdateTransitions, string(from)+"→"+string(to)) {
		return true
	}
	unfinished := []UpdateState{UpdatePending, UpdateAwaitingConsent, UpdateAccepted, UpdateScheduled, UpdateUpdatedConnectorChannel, UpdateDownloading, UpdateInstalling}
	aborts := []UpdateState{UpdateFailed, UpdateTimedOut, UpdateCancelled, UpdateManifestRemoved, UpdateDeregistered}
	return slices.Contains(unfinished, from) && slices.Contains(aborts, to)
}

func TestUpdateTransitionTableIsTheWantedMachine(t *testing.T) {
	var got, want []string
	for _, from := range UpdateStates {
		for _, to := range UpdateStates {
			if from.CanChangeTo(to) {
				got = append(got, string(from)+"→"+string(to))
			}
			if wantAllowedUpdate(from, to) {
				want = append(want, string(from)+"→"+string(to))
			}
		}
		if from.Terminal() && len(updateTransitions[from]) > 0 {
			t.Errorf("terminal state %s has moves %v", from, updateTransitions[from])
		}
		if !from.Terminal() && len(updateTransitions[from]) == 0 {
			t.Errorf("unfinished state %s has no moves", from)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("transitions (-want +got):\n%s", diff)
	}
	for from, tos := range updateTransitions {
		if !slices.Contains(UpdateStates, from) || slices.ContainsFunc(tos, func(s UpdateState) bool { return !slices.Contains(UpdateStates, s) }) {
			t.Errorf("the table names unknown states: %s→%v", from, tos)
		}
	}
}

// updateAt is a history of device d1 whose update in campaign c1 is at s.
func updateAt(s UpdateState) []Event {
	registered := []Event{deviceRegistered()}
	switch s {
	case UpdateSkipped:
		return with(registered, DeviceSkipped{CampaignID: "c1", Reason: SkipAlreadyUpdated, At: at(1)})
	case UpdatePending:
		return with(registered, DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(1)})
	default: // reached from pending in one step
		return with(registered, DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(1)},
			DeviceUpdateStateChanged{CampaignID: "c1", From: UpdatePending, To: s, ResultCode: 3, At: at(2)})
	}
}

// TestDeviceUpdateStateMatrix moves an update from every state to every
// state and checks each move against the hand-written machine.
func TestDeviceUpdateStateMatrix(t *testing.T) {
	var cases []scenario[*Device]
	for _, from := range UpdateStates {
		for _, to := range UpdateStates {
			code := 0
			if to == UpdateFailed {
				code = 42
			}
			tc := scenario[*Device]{
				name:  fmt.Sprintf("%s to %s", from, to),
				given: updateAt(from),
				when: func(d *Device) error {
					return d.ChangeUpdateState("c1", UpdateChange{To: to, ResultCode: code, Reason: "report", AsyncID: "a1"}, at(10))
				},
			}
			switch {
			case to == UpdateAccepted:
				tc.name += " is refused: only the device's user accepts"
				tc.err = InvalidError{Field: "state"}
			case from == to:
				tc.name += " repeats a report and records nothing"
			case wantAllowedUpdate(from, to):
				tc.name += " is allowed"
				tc.then = []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: from, To: to, ResultCode: code, Reason: "report", AsyncID: "a1", At: at(10)}}
			default:
				tc.name += " is refused"
				tc.err = InvalidTransitionError{Object: "device update", From: string(from), To: string(to)}
			}
			cases = append(cases, tc)
		}
	}
	runScenarios(t, LoadDevice, cases)
}

func TestDeviceActiveCampaignEndsInATerminalState(t *testing.T) {
	for _, s := range UpdateStates {
		d, err := LoadDevice(updateAt(s))
		if err != nil {
			t.Fatal(err)
		}
		active, ok := d.ActiveCampaign()
		wantActive := !s.Terminal() && s != UpdateSkipped
		if ok != wantActive || (ok && active != "c1") {
			t.Errorf("update at %s: ActiveCampaign() = %q, %v; want active %v", s, active, ok, wantActive)
		}
	}
}

func TestDeviceEnrollAndSkip(t *testing.T) {
	registered := []Event{deviceRegistered()}
	inC1 := updateAt(UpdateScheduled)
	now := at(10)
	enroll := func(c CampaignID) func(*Device) error {
		return func(d *Device) error { return d.Enroll(c, "m2", now) }
	}
	skip := func(c CampaignID, r SkipReason) func(*Device) error {
		return func(d *Device) error { return d.Skip(c, r, now) }
	}
	change := func(c CampaignID, ch UpdateChange) func(*Device) error {
		return func(d *Device) error { return d.ChangeUpdateState(c, ch, now) }
	}
	runScenarios(t, LoadDevice, []scenario[*Device]{
		{name: "a registered device enrols", given: registered, when: enroll("c2"),
			then: []Event{DeviceEnrolled{CampaignID: "c2", ManifestID: "m2", At: now}}},
		{name: "a device in an active campaign does not enrol in another", given: inC1, when: enroll("c2"), err: ConflictError{}},
		{name: "a device enrols again in its active campaign and nothing is recorded", given: inC1, when: enroll("c1")},
		{name: "a device enrols again in a campaign it finished and nothing is recorded", given: updateAt(UpdateDeployed), when: enroll("c1")},
		{name: "a device enrols again in a campaign that skipped it and nothing is recorded", given: updateAt(UpdateSkipped), when: enroll("c1")},
		{name: "a device whose update ended enrols in another campaign", given: updateAt(UpdateFailed), when: enroll("c2"),
			then: []Event{DeviceEnrolled{CampaignID: "c2", ManifestID: "m2", At: now}}},
		{name: "a deregistered device does not enrol", given: with(registered, DeviceDeregistered{At: at(1)}), when: enroll("c2"),
			err: InvalidTransitionError{Object: "device", From: "deregistered", To: "enrolled"}},
		{name: "an unknown device does not enrol", when: enroll("c2"), err: NotFoundError{Object: "device"}},
		{name: "an enrolment needs a valid campaign id", given: registered, when: enroll(""), err: InvalidError{Field: "campaign_id"}},
		{name: "a device is skipped with a reason", given: inC1, when: skip("c2", SkipInOtherCampaign),
			then: []Event{DeviceSkipped{CampaignID: "c2", Reason: SkipInOtherCampaign, At: now}}},
		{name: "a deregistered device is skipped", given: with(registered, DeviceDeregistered{At: at(1)}), when: skip("c2", SkipDeregistered),
			then: []Event{DeviceSkipped{CampaignID: "c2", Reason: SkipDeregistered, At: now}}},
		{name: "a second skip records nothing", given: updateAt(UpdateSkipped), when: skip("c1", SkipDeviceClassMismatch)},
		{name: "an enrolled device is not skipped", given: inC1, when: skip("c1", SkipAlreadyUpdated),
			err: InvalidTransitionError{Object: "device update", From: "scheduled", To: "skipped"}},
		{name: "a skip gives a known reason", given: registered, when: skip("c2", "tired"), err: InvalidError{Field: "skip reason"}},
		{name: "an unknown device is not skipped", when: skip("c2", SkipDeregistered), err: NotFoundError{Object: "device"}},
		{name: "a failure carries a result code", given: inC1, when: change("c1", UpdateChange{To: UpdateFailed}),
			err: InvalidError{Field: "result_code"}},
		{name: "a move to an unknown state is refused", given: inC1, when: change("c1", UpdateChange{To: "melted"}),
			err: InvalidError{Field: "update state"}},
		{name: "a campaign the device is not in has no update to move", given: inC1, when: change("c9", UpdateChange{To: UpdateCancelled}),
			err: NotFoundError{Object: "device update", ID: "d1 in campaign c9"}},
		{name: "an unknown device has no update to move", when: change("c1", UpdateChange{To: UpdateCancelled}), err: NotFoundError{Object: "device"}},
	})
}

func TestDeviceApplyRefusesAMoveOfAnUpdateItDoesNotHave(t *testing.T) {
	_, err := LoadDevice([]Event{deviceRegistered(), DeviceUpdateStateChanged{CampaignID: "c1", From: UpdatePending, To: UpdateScheduled, At: at(1)}})
	if err == nil || !strings.Contains(err.Error(), "c1") {
		t.Errorf("got error %v, want one naming campaign c1", err)
	}
}
