package commands_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// updateHistory is device id of account registered and enrolled in
// campaign c1, its update moved along path (from pending).
func updateHistory(account domain.AccountID, id domain.DeviceID, path ...domain.UpdateState) []domain.Event {
	events := []domain.Event{registered(account, id, 30), domain.DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(29)}}
	from := domain.UpdatePending
	for i, to := range path {
		change := domain.DeviceUpdateStateChanged{CampaignID: "c1", From: from, To: to, At: at(28 - i)}
		if to == domain.UpdateScheduled {
			change.AsyncID = domain.AsyncID(acme, "c1", id)
		}
		events = append(events, change)
		from = to
	}
	return events
}

// report records one report as a batch of one, answering as a command on
// one device does.
func report(f *fixture, account domain.AccountID, id string, r domain.Report) error {
	res, err := f.h.RecordDeviceReports(context.Background(), commands.RecordDeviceReports{Meta: commands.Meta{Account: account, CommandID: id},
		Reports: []domain.Report{r}})
	if err != nil {
		return err
	}
	return res.Err()
}

func TestRecordDeviceReportsOfAsyncResponses(t *testing.T) {
	f := newFixture(t)
	respond := func(device domain.DeviceID, status int, text string) error {
		r, _ := domain.AsyncResponseReport(domain.AsyncID(acme, "c1", device), status, text)
		return report(f, acme, "ar-"+string(device), r)
	}

	t.Run("a response before the send is recorded waits", func(t *testing.T) {
		history := updateHistory(acme, "early")
		f.given(t, domain.DeviceStream(acme, "early"), history...)
		err := respond("early", 200, "")
		if !errors.Is(err, domain.ErrSendNotRecorded) {
			t.Errorf("got %v, want ErrSendNotRecorded", err)
		}
		f.then(t, domain.DeviceStream(acme, "early"), history...)
	})
	t.Run("a 2xx response records the manifest delivered", func(t *testing.T) {
		history := updateHistory(acme, "good", domain.UpdateScheduled)
		f.given(t, domain.DeviceStream(acme, "good"), history...)
		ok(t, respond("good", 202, ""))
		f.then(t, domain.DeviceStream(acme, "good"), append(history, domain.DeviceUpdateStateChanged{CampaignID: "c1",
			From: domain.UpdateScheduled, To: domain.UpdateUpdatedConnectorChannel, Reason: "manifest delivered",
			AsyncID: domain.AsyncID(acme, "c1", "good"), At: now})...)
	})
	t.Run("another status records the delivery failed, with the connector's error", func(t *testing.T) {
		history := updateHistory(acme, "bad", domain.UpdateScheduled)
		f.given(t, domain.DeviceStream(acme, "bad"), history...)
		ok(t, respond("bad", 504, "device did not answer"))
		f.then(t, domain.DeviceStream(acme, "bad"), append(history, domain.DeviceUpdateStateChanged{CampaignID: "c1",
			From: domain.UpdateScheduled, To: domain.UpdateFailedConnectorChannelUpdate, Reason: "device did not answer",
			AsyncID: domain.AsyncID(acme, "c1", "bad"), At: now})...)
	})
	t.Run("a response for an update past the send records nothing", func(t *testing.T) {
		history := updateHistory(acme, "late", domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateDownloading)
		f.given(t, domain.DeviceStream(acme, "late"), history...)
		ok(t, respond("late", 200, ""))
		f.then(t, domain.DeviceStream(acme, "late"), history...)
	})
	t.Run("a device of another account is not found", func(t *testing.T) {
		history := updateHistory(globex, "theirs", domain.UpdateScheduled)
		f.given(t, domain.DeviceStream(globex, "theirs"), history...)
		wantKind(t, respond("theirs", 200, ""), domain.KindNotFound)
		f.then(t, domain.DeviceStream(globex, "theirs"), history...)
	})
	t.Run("an id this service did not make is invalid", func(t *testing.T) {
		err := report(f, acme, "ar-x", domain.Report{Kind: domain.ReportAsyncResponse, Device: "d", AsyncID: "123e4567", Value: 200})
		wantKind(t, err, domain.KindInvalid)
	})
}

func TestRecordDeviceReportsOfLwM2MValues(t *testing.T) {
	f := newFixture(t)
	type lwm2m = domain.ReportKind
	const (
		state  = domain.ReportLwM2MState
		result = domain.ReportLwM2MResult
	)
	path := map[lwm2m]string{state: "/10252/0/2", result: "/10252/0/3"}
	// step is a change the report records; implied ones carry the report
	// as their cause.
	step := func(from, to domain.UpdateState, kind lwm2m, value, code int, implied bool) domain.Event {
		reason := fmt.Sprintf("device reported %s = %d", path[kind], value)
		if implied {
			reason = "implied by " + reason
			code = 0
		}
		return domain.DeviceUpdateStateChanged{CampaignID: "c1", From: from, To: to, ResultCode: code, Reason: reason, At: now}
	}
	s := func(states ...domain.UpdateState) []domain.UpdateState { return states }
	var (
		pending     = domain.UpdatePending
		scheduled   = domain.UpdateScheduled
		delivered   = domain.UpdateUpdatedConnectorChannel
		downloading = domain.UpdateDownloading
		installing  = domain.UpdateInstalling
		deployed    = domain.UpdateDeployed
	)
	for i, tc := range []struct {
		name     string
		at       []domain.UpdateState // the update's path so far; nil: not enrolled
		kind     lwm2m
		value    int
		then     []domain.Event
		wantKind *domain.Kind
	}{
		{name: "success while scheduled goes through delivered to deployed", at: s(scheduled), kind: result, value: 1,
			then: []domain.Event{step(scheduled, delivered, result, 1, 0, true), step(delivered, deployed, result, 1, 0, false)}},
		{name: "success while pending goes through every step the device passed", at: []domain.UpdateState{}, kind: result, value: 1,
			then: []domain.Event{step(pending, scheduled, result, 1, 0, true), step(scheduled, delivered, result, 1, 0, true), step(delivered, deployed, result, 1, 0, false)}},
		{name: "downloading while scheduled goes through delivered", at: s(scheduled), kind: state, value: 4,
			then: []domain.Event{step(scheduled, delivered, state, 4, 0, true), step(delivered, downloading, state, 4, 0, false)}},
		{name: "rebooting while delivered is installing", at: s(scheduled, delivered), kind: state, value: 8,
			then: []domain.Event{step(delivered, installing, state, 8, 0, false)}},
		{name: "a failure code fails the update with it", at: s(scheduled, delivered, downloading), kind: result, value: 12,
			then: []domain.Event{step(downloading, domain.UpdateFailed, result, 12, 12, false)}},
		{name: "a repeated state records nothing", at: s(scheduled, delivered, downloading), kind: state, value: 5},
		{name: "an earlier state records nothing", at: s(scheduled, delivered, downloading, installing), kind: state, value: 4},
		{name: "a success after the update ended records nothing", at: s(domain.UpdateTimedOut), kind: result, value: 1},
		{name: "the initial result records nothing", at: s(scheduled), kind: result, value: 0},
		{name: "idle records nothing", at: s(scheduled), kind: state, value: 1},
		{name: "a device without an update records nothing", kind: result, value: 1},
		{name: "a negative value is invalid", at: s(scheduled), kind: state, value: -4, wantKind: kind(domain.KindInvalid)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := domain.DeviceID(fmt.Sprintf("d%d", i))
			history := []domain.Event{registered(acme, id, 30)}
			if tc.at != nil {
				history = updateHistory(acme, id, tc.at...)
			}
			f.given(t, domain.DeviceStream(acme, id), history...)

			err := report(f, acme, "n-"+string(id), domain.Report{Kind: tc.kind, Device: id, Value: tc.value})

			if tc.wantKind != nil {
				wantKind(t, err, *tc.wantKind)
			} else {
				ok(t, err)
			}
			f.then(t, domain.DeviceStream(acme, id), append(history, tc.then...)...)
		})
	}
	t.Run("a device the catalog never had records nothing", func(t *testing.T) {
		ok(t, report(f, acme, "n-x", domain.Report{Kind: result, Device: "stranger", Value: 1}))
		f.then(t, domain.DeviceStream(acme, "stranger"))
	})
}
