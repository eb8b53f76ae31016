package domain

import "testing"

// TestDeviceCancelUpdate cancels the update of c1 from every state: one
// not handed on yet (pending, awaiting consent, accepted) ends cancelled, one under way is asked to be cancelled
// (once), a terminal one stays as it is, and a campaign the device has no
// update in is not found.
func TestDeviceCancelUpdate(t *testing.T) {
	cancel := func(c CampaignID) func(*Device) error {
		return func(d *Device) error { return d.CancelUpdate(c, "cancelled by its user", at(10)) }
	}
	var cases []scenario[*Device]
	for _, s := range UpdateStates {
		tc := scenario[*Device]{name: "an update " + string(s), given: updateAt(s), when: cancel("c1")}
		switch {
		case s.Terminal():
			tc.name += " is over and records nothing"
		case s == UpdatePending || s == UpdateAwaitingConsent || s == UpdateAccepted:
			tc.name += " ends cancelled"
			tc.then = []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: s, To: UpdateCancelled, Reason: "cancelled by its user", At: at(10)}}
		default:
			tc.name += " is asked to be cancelled"
			tc.then = []Event{DeviceUpdateCancelRequested{CampaignID: "c1", Reason: "cancelled by its user", At: at(10)}}
			cases = append(cases, scenario[*Device]{name: "an update " + string(s) + " asked to be cancelled before records nothing",
				given: append(updateAt(s), DeviceUpdateCancelRequested{CampaignID: "c1", At: at(9)}), when: cancel("c1")})
		}
		cases = append(cases, tc)
	}
	cases = append(cases,
		scenario[*Device]{name: "a campaign the device is not in is not found", given: updateAt(UpdatePending), when: cancel("c2"),
			err: NotFoundError{Object: "device update", ID: "d1 in campaign c2"}},
		scenario[*Device]{name: "an unknown device is not found", when: cancel("c1"), err: NotFoundError{Object: "device"}},
	)
	runScenarios(t, LoadDevice, cases)
}
