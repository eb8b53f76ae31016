package domain

import "testing"

// TestDeviceAcceptUpdate checks rule 8: only an update awaiting consent is
// accepted, once; nothing else moves it on.
func TestDeviceAcceptUpdate(t *testing.T) {
	accept := func(c CampaignID) func(*Device) error {
		return func(d *Device) error { return d.AcceptUpdate(c, "accepted by its user", at(10)) }
	}
	report := func(r Report) func(*Device) error { return func(d *Device) error { return d.Report(r, at(10)) } }
	assigned := with(updateAt(UpdateAccepted),
		DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateAccepted, To: UpdateScheduled, At: at(3)},
		DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateScheduled, To: UpdateUpdatedConnectorChannel, At: at(4)})
	runScenarios(t, LoadDevice, []scenario[*Device]{
		{name: "an update awaiting consent is accepted", given: updateAt(UpdateAwaitingConsent), when: accept("c1"),
			then: []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateAwaitingConsent, To: UpdateAccepted,
				Reason: "accepted by its user", At: at(10)}}},
		{name: "an accepted update accepted again records nothing", given: updateAt(UpdateAccepted), when: accept("c1")},
		{name: "an accepted update that was assigned since records nothing when accepted again", given: assigned, when: accept("c1")},
		{name: "a pending update is not awaiting consent yet", given: updateAt(UpdatePending), when: accept("c1"),
			err: NotAwaitingConsentError{Device: "d1", Campaign: "c1", State: UpdatePending}},
		{name: "an update sent without consent is not awaiting it", given: updateAt(UpdateScheduled), when: accept("c1"),
			err: NotAwaitingConsentError{Device: "d1", Campaign: "c1", State: UpdateScheduled}},
		{name: "a cancelled update is not awaiting consent", given: updateAt(UpdateCancelled), when: accept("c1"),
			err: NotAwaitingConsentError{Device: "d1", Campaign: "c1", State: UpdateCancelled}},
		{name: "a campaign the device is not in is not found", given: updateAt(UpdateAwaitingConsent), when: accept("c2"),
			err: NotFoundError{Object: "device update", ID: "d1 in campaign c2"}},
		{name: "an unknown device is not found", when: accept("c1"), err: NotFoundError{Object: "device"}},
		{name: "a report of progress does not imply consent", given: updateAt(UpdateAwaitingConsent),
			when: report(Report{Kind: ReportLwM2MState, Device: "d1", Value: 4})},
		{name: "a failure report ends an update awaiting consent", given: updateAt(UpdateAwaitingConsent),
			when: report(Report{Kind: ReportLwM2MResult, Device: "d1", Value: 9}),
			then: []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateAwaitingConsent, To: UpdateFailed, ResultCode: 9,
				Reason: "device reported /10252/0/3 = 9", At: at(10)}}},
	})
}
