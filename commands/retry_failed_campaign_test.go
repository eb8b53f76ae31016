package commands_test

import (
	"context"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

func TestRetryFailedCampaign(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.CampaignStream("c1"), campaignCreated("c1", acme, 30), domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: at(29)})
	f.given(t, domain.CampaignStream("draft"), campaignCreated("draft", acme, 30))
	retry := commands.RetryFailedCampaign{Meta: meta("rf-1"), CampaignID: "r1", MainCampaignID: "c1", FailureCode: "E1", Devices: []domain.DeviceID{"d2", "d1"}}
	created := domain.CampaignCreated{CampaignID: "r1", AccountID: acme, CampaignName: "retryCampaignWith-mainCampaign-c1-failureCode-E1",
		ManifestID: "m1", DeviceFilter: "device_class__eq=class-a", Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100,
		MainCampaignID: "c1", FailureCode: "E1", Devices: []domain.DeviceID{"d1", "d2"}, At: at(0)}
	started := domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: at(0)}

	t.Run("a launched campaign's failed devices make a retry campaign, started at once", func(t *testing.T) {
		_, err := f.h.RetryFailedCampaign(ctx, retry)
		ok(t, err)
		f.then(t, domain.CampaignStream("r1"), created, started)
	})
	t.Run("the same command handled twice records its events once", func(t *testing.T) {
		_, err := f.h.RetryFailedCampaign(ctx, retry)
		ok(t, err)
		f.then(t, domain.CampaignStream("r1"), created, started)
	})
	t.Run("a prepared main campaign is refused", func(t *testing.T) {
		c := retry
		c.Meta, c.CampaignID, c.MainCampaignID = meta("rf-2"), "r2", "draft"
		_, err := f.h.RetryFailedCampaign(ctx, c)
		wantKind(t, err, domain.KindOf(domain.InvalidTransitionError{}))
		f.then(t, domain.CampaignStream("r2"))
	})
	t.Run("another account's main campaign is not found", func(t *testing.T) {
		c := retry
		c.Meta, c.CampaignID = meta("rf-3"), "r3"
		c.Account = globex
		_, err := f.h.RetryFailedCampaign(ctx, c)
		wantKind(t, err, domain.KindNotFound)
		f.then(t, domain.CampaignStream("r3"))
	})
}
