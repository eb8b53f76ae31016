package domain

import (
	"errors"
	"testing"
)

func TestDeviceReports(t *testing.T) {
	async, _ := AsyncResponseReport(AsyncID("acc1", "c1", "d1"), 200, "")
	refused, _ := AsyncResponseReport(AsyncID("acc1", "c1", "d1"), 404, "NOT_FOUND")
	otherAccount, _ := AsyncResponseReport(AsyncID("acc2", "c1", "d1"), 200, "")
	step := func(from, to UpdateState, code int, reason string) Event {
		return DeviceUpdateStateChanged{CampaignID: "c1", From: from, To: to, ResultCode: code, Reason: reason, At: at(10)}
	}
	report := func(r Report) func(*Device) error { return func(d *Device) error { return d.Report(r, at(10)) } }
	runScenarios(t, LoadDevice, []scenario[*Device]{
		{name: "a delivered write moves a scheduled update on", given: updateAt(UpdateScheduled), when: report(async),
			then: []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateScheduled, To: UpdateUpdatedConnectorChannel,
				Reason: "manifest delivered", AsyncID: async.AsyncID, At: at(10)}}},
		{name: "a refused write fails the delivery with the connector's error", given: updateAt(UpdateScheduled), when: report(refused),
			then: []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateScheduled, To: UpdateFailedConnectorChannelUpdate,
				Reason: "NOT_FOUND", AsyncID: refused.AsyncID, At: at(10)}}},
		{name: "an answer to a write of another account is not found", given: updateAt(UpdateScheduled), when: report(otherAccount),
			err: NotFoundError{Object: "device update", ID: "d1 in campaign c1"}},
		{name: "an answer past the write records nothing", given: updateAt(UpdateDownloading), when: report(async)},
		{name: "a result reaches deployed through the steps the device passed unseen", given: updateAt(UpdateScheduled),
			when: report(Report{Kind: ReportLwM2MResult, Device: "d1", Value: 1}),
			then: []Event{step(UpdateScheduled, UpdateUpdatedConnectorChannel, 0, "implied by device reported /10252/0/3 = 1"),
				step(UpdateUpdatedConnectorChannel, UpdateDeployed, 0, "device reported /10252/0/3 = 1")}},
		{name: "a state behind the update records nothing", given: updateAt(UpdateInstalling),
			when: report(Report{Kind: ReportLwM2MState, Device: "d1", Value: 4})},
		{name: "a reported step in a skipped campaign is not found", given: updateAt(UpdateSkipped),
			when: report(Report{Kind: ReportUpdateState, Device: "d1", Campaign: "c1", State: UpdateDeployed}), err: NotFoundError{Object: "device update", ID: "d1 in campaign c1"}},
		{name: "a failure without its code is invalid", given: updateAt(UpdateScheduled),
			when: report(Report{Kind: ReportUpdateState, Device: "d1", Campaign: "c1", State: UpdateFailed}), err: InvalidError{Field: "result_code"}},
		{name: "a failure with a text code records the code", given: updateAt(UpdateInstalling),
			when: report(Report{Kind: ReportUpdateState, Device: "d1", Campaign: "c1", State: UpdateFailed, FailureCode: "INSTALL_FAILED", Reason: "disk full"}),
			then: []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateInstalling, To: UpdateFailed, FailureCode: "INSTALL_FAILED", Reason: "disk full", At: at(10)}}},
		{name: "a success with a failure code is invalid", given: updateAt(UpdateInstalling),
			when: report(Report{Kind: ReportUpdateState, Device: "d1", Campaign: "c1", State: UpdateDeployed, FailureCode: "INSTALL_FAILED"}), err: InvalidError{Field: "failure_code"}},
		{name: "a failure code of two lines is invalid", given: updateAt(UpdateInstalling),
			when: report(Report{Kind: ReportUpdateState, Device: "d1", Campaign: "c1", State: UpdateFailed, FailureCode: "A\nB"}), err: InvalidError{Field: "failure_code"}},
	})
	t.Run("a failure's text code stays with the device's update", func(t *testing.T) {
		d, err := LoadDevice(append(updateAt(UpdateInstalling), DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateInstalling,
			To: UpdateFailed, FailureCode: "INSTALL_FAILED", At: at(10)}))
		if err != nil {
			t.Fatal(err)
		}
		if u, _ := d.Update("c1"); u.FailureCode != "INSTALL_FAILED" {
			t.Errorf("failure code %q, want INSTALL_FAILED", u.FailureCode)
		}
	})
	t.Run("an answer before its write is recorded waits", func(t *testing.T) {
		d, err := LoadDevice(updateAt(UpdatePending))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Report(async, at(10)); !errors.Is(err, ErrSendNotRecorded) || len(d.Changes()) > 0 {
			t.Errorf("got %v and %d changes, want ErrSendNotRecorded and none", err, len(d.Changes()))
		}
	})
}
