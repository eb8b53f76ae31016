package commands_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// TestRetryDeviceUpdates retries a page of devices of a campaign whose
// policy retries failures with code 3 after a minute: the due failure
// goes back to pending in one append, the others stay as they are, and a
// repeat records nothing more.
func TestRetryDeviceUpdates(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	created := campaignCreated("c1", acme, 60)
	created.Rollout = &domain.RolloutPolicy{Retry: &domain.RetryPolicy{Codes: []string{"3"}, MaxAttempts: 2, BackoffSeconds: 60}}
	f.given(t, domain.CampaignStream("c1"), created)
	failedWith := func(code, minutesAgo int) domain.DeviceUpdateStateChanged {
		return domain.DeviceUpdateStateChanged{CampaignID: "c1", From: domain.UpdatePending, To: domain.UpdateFailed, ResultCode: code, At: at(minutesAgo)}
	}
	enrolled := domain.DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(50)}
	histories := map[domain.DeviceID][]domain.Event{
		"due":       {registered(acme, "due", 59), enrolled, failedWith(3, 2)},
		"too-early": {registered(acme, "too-early", 59), enrolled, failedWith(3, 0)},
		"unlisted":  {registered(acme, "unlisted", 59), enrolled, failedWith(9, 2)},
		"busy": {registered(acme, "busy", 59), enrolled, failedWith(3, 2),
			domain.DeviceEnrolled{CampaignID: "c2", ManifestID: "m1", At: at(1)}},
	}
	for id, h := range histories {
		f.given(t, domain.DeviceStream(acme, id), h...)
	}
	all := []domain.DeviceID{"busy", "due", "too-early", "unlisted"}

	_, retried, err := f.h.RetryDeviceUpdates(ctx, commands.RetryDeviceUpdates{Meta: meta("retry-1"), CampaignID: "c1", Devices: all})
	ok(t, err)
	if diff := cmp.Diff([]domain.DeviceID{"due"}, retried); diff != "" {
		t.Errorf("retried (-want +got):\n%s", diff)
	}
	want := domain.DeviceUpdateStateChanged{CampaignID: "c1", From: domain.UpdateFailed, To: domain.UpdatePending,
		Reason: "retry: attempt 2 of 2", Attempt: 2, At: now}
	f.then(t, domain.DeviceStream(acme, "due"), append(histories["due"], want)...)
	for _, id := range []domain.DeviceID{"too-early", "unlisted", "busy"} {
		f.then(t, domain.DeviceStream(acme, id), histories[id]...)
	}

	_, again, err := f.h.RetryDeviceUpdates(ctx, commands.RetryDeviceUpdates{Meta: meta("retry-2"), CampaignID: "c1", Devices: all})
	ok(t, err)
	if len(again) != 0 {
		t.Errorf("a repeated retry retried %v, want none", again)
	}
	f.then(t, domain.DeviceStream(acme, "due"), append(histories["due"], want)...)

	_, _, err = f.h.RetryDeviceUpdates(ctx, commands.RetryDeviceUpdates{Meta: commands.Meta{Account: globex, CommandID: "retry-3"}, CampaignID: "c1", Devices: all})
	wantKind(t, err, domain.KindNotFound)
}
