package commands_test

import (
	"context"
	"errors"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

func TestAcceptCampaignUpdate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	enrolled := domain.DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(4)}
	awaiting := domain.DeviceUpdateStateChanged{CampaignID: "c1", From: domain.UpdatePending, To: domain.UpdateAwaitingConsent, At: at(5)}
	f.given(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5), enrolled, awaiting)
	f.given(t, domain.DeviceStream(acme, "d2"), registered(acme, "d2", 5), enrolled)
	accept := func(id string, campaign domain.CampaignID, device domain.DeviceID) error {
		_, err := f.h.AcceptCampaignUpdate(ctx, commands.AcceptCampaignUpdate{Meta: meta(id), CampaignID: campaign, DeviceID: device})
		return err
	}
	accepted := domain.DeviceUpdateStateChanged{CampaignID: "c1", From: domain.UpdateAwaitingConsent, To: domain.UpdateAccepted,
		Reason: "accepted by its user", At: now}

	t.Run("an update awaiting consent is accepted", func(t *testing.T) {
		ok(t, accept("accept-1", "c1", "d1"))
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5), enrolled, awaiting, accepted)
	})
	t.Run("accepting again records nothing", func(t *testing.T) {
		ok(t, accept("accept-2", "c1", "d1"))
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5), enrolled, awaiting, accepted)
	})
	t.Run("an update not awaiting consent is refused as a conflict", func(t *testing.T) {
		err := accept("accept-3", "c1", "d2")
		var notAwaiting domain.NotAwaitingConsentError
		if !errors.As(err, &notAwaiting) || notAwaiting.State != domain.UpdatePending {
			t.Fatalf("got error %v, want a NotAwaitingConsentError of a pending update", err)
		}
		wantKind(t, err, domain.KindConflict)
	})
	t.Run("a device not in the campaign is not found", func(t *testing.T) {
		wantKind(t, accept("accept-4", "c2", "d1"), domain.KindNotFound)
	})
	t.Run("another account's device is not found", func(t *testing.T) {
		_, err := f.h.AcceptCampaignUpdate(ctx, commands.AcceptCampaignUpdate{Meta: commands.Meta{Account: globex, CommandID: "accept-5"}, CampaignID: "c1", DeviceID: "d1"})
		wantKind(t, err, domain.KindNotFound)
	})
}
