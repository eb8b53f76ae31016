package commands_test

import (
	"context"
	"errors"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

func TestRecordDeviceReportsInOneBatch(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	walker := updateHistory(acme, "walker", domain.UpdateScheduled)
	early := updateHistory(acme, "early")
	other := updateHistory(acme, "other", domain.UpdateScheduled)
	f.given(t, domain.DeviceStream(acme, "walker"), walker...)
	f.given(t, domain.DeviceStream(acme, "early"), early...)
	f.given(t, domain.DeviceStream(acme, "other"), other...)
	delivered, _ := domain.AsyncResponseReport(domain.AsyncID(acme, "c1", "walker"), 200, "")
	tooEarly, _ := domain.AsyncResponseReport(domain.AsyncID(acme, "c1", "early"), 200, "")
	reports := []domain.Report{
		delivered,
		tooEarly,
		{Kind: domain.ReportLwM2MState, Device: "walker", Value: 4},
		{Kind: domain.ReportLwM2MState, Device: "early", Value: 4},
		{Kind: domain.ReportUpdateState, Device: "other", Campaign: "c9", State: domain.UpdateDeployed},
		{Kind: domain.ReportLwM2MResult, Device: "walker", Value: 1},
		{Kind: domain.ReportLwM2MState, Device: "", Value: 4},
		{Kind: domain.ReportLwM2MState, Device: "walker", Value: 7}, // after the result: late
	}
	var appends int
	f.hooked.beforeAppend = func(context.Context, []eventstore.AppendRequest) { appends++ }

	res, err := f.h.RecordDeviceReports(ctx, commands.RecordDeviceReports{Meta: meta("batch-1"), Reports: reports})
	ok(t, err)

	if appends != 1 {
		t.Errorf("%d appends, want one for the whole batch", appends)
	}
	f.then(t, domain.DeviceStream(acme, "walker"), append(walker,
		domain.DeviceUpdateStateChanged{CampaignID: "c1", From: domain.UpdateScheduled, To: domain.UpdateUpdatedConnectorChannel,
			Reason: "manifest delivered", AsyncID: domain.AsyncID(acme, "c1", "walker"), At: now},
		domain.DeviceUpdateStateChanged{CampaignID: "c1", From: domain.UpdateUpdatedConnectorChannel, To: domain.UpdateDownloading,
			Reason: "device reported /10252/0/2 = 4", At: now},
		domain.DeviceUpdateStateChanged{CampaignID: "c1", From: domain.UpdateDownloading, To: domain.UpdateDeployed,
			Reason: "device reported /10252/0/3 = 1", At: now})...)
	f.then(t, domain.DeviceStream(acme, "early"), early...)
	f.then(t, domain.DeviceStream(acme, "other"), other...)
	for _, i := range []int{1, 3} {
		if !errors.Is(res.Waiting[i], domain.ErrSendNotRecorded) {
			t.Errorf("report %d: waiting %v, want ErrSendNotRecorded (the device's reports wait together)", i, res.Waiting[i])
		}
	}
	if len(res.Waiting) != 2 {
		t.Errorf("waiting %v, want reports 1 and 3", res.Waiting)
	}
	if domain.KindOf(res.Refused[4]) != domain.KindNotFound || domain.KindOf(res.Refused[6]) != domain.KindInvalid || len(res.Refused) != 2 {
		t.Errorf("refused %v, want 4 not found and 6 invalid", res.Refused)
	}

	t.Run("the same command again records nothing more", func(t *testing.T) {
		_, err := f.h.RecordDeviceReports(ctx, commands.RecordDeviceReports{Meta: meta("batch-1"), Reports: reports})
		ok(t, err)
		if n := len(f.events(t, domain.DeviceStream(acme, "walker"))); n != len(walker)+3 {
			t.Errorf("walker has %d events, want %d", n, len(walker)+3)
		}
	})
	t.Run("a concurrent change is decided again", func(t *testing.T) {
		moved := false
		f.hooked.beforeAppend = func(ctx context.Context, _ []eventstore.AppendRequest) {
			if moved {
				return
			}
			moved = true
			_, _, err := f.h.ChangeDeviceStates(ctx, commands.ChangeDeviceStates{Meta: meta("timeout-other"), CampaignID: "c1",
				Devices: []domain.DeviceID{"other"}, From: []domain.UpdateState{domain.UpdateScheduled},
				Change: domain.UpdateChange{To: domain.UpdateTimedOut, Reason: "no progress"}})
			ok(t, err)
		}
		_, err := f.h.RecordDeviceReports(ctx, commands.RecordDeviceReports{Meta: meta("batch-2"),
			Reports: []domain.Report{{Kind: domain.ReportLwM2MResult, Device: "other", Value: 1}}})
		ok(t, err)
		events := f.events(t, domain.DeviceStream(acme, "other"))
		last := events[len(events)-1].(domain.DeviceUpdateStateChanged)
		if len(events) != len(other)+1 || last.To != domain.UpdateTimedOut {
			t.Errorf("other ends %v after %d events; want timed out, the late result recording nothing", last.To, len(events))
		}
	})
}
