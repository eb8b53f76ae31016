package commands_test

import (
	"context"
	"testing"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// firmware is the manifest spec the tests register.
var firmware = domain.ManifestSpec{Name: "fw 2", DeviceClass: "class-a", Timestamp: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
	PayloadURL: "https://example.com/fw2.bin", PayloadDigest: "fw2", PayloadSize: 1000}

// manifestRegistered is the event of manifest id of account with firmware.
func manifestRegistered(id domain.ManifestID, account domain.AccountID, when int) domain.ManifestRegistered {
	return domain.ManifestRegistered{ManifestID: id, AccountID: account, ManifestName: "fw 2", DeviceClass: "class-a",
		Timestamp: firmware.Timestamp, PayloadType: "full", PayloadURL: firmware.PayloadURL, PayloadDigest: "fw2",
		PayloadSize: 1000, At: at(when)}
}

func TestRegisterManifest(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)

	t.Run("a manifest is stored and counted on the account", func(t *testing.T) {
		_, err := f.h.RegisterManifest(ctx, commands.RegisterManifest{Meta: meta("m-1"), ManifestID: "m1", Spec: firmware})
		ok(t, err)
		f.then(t, domain.ManifestStream("m1"), manifestRegistered("m1", acme, 0))
		f.then(t, domain.AccountStream(acme), domain.AccountManifestCounted{ManifestID: "m1", Delta: 1, At: now})
	})
	t.Run("the same command handled twice records its events once", func(t *testing.T) {
		_, err := f.h.RegisterManifest(ctx, commands.RegisterManifest{Meta: meta("m-1"), ManifestID: "m1", Spec: firmware})
		ok(t, err)
		f.then(t, domain.ManifestStream("m1"), manifestRegistered("m1", acme, 0))
		f.then(t, domain.AccountStream(acme), domain.AccountManifestCounted{ManifestID: "m1", Delta: 1, At: now})
	})
	t.Run("a taken id is a conflict", func(t *testing.T) {
		_, err := f.h.RegisterManifest(ctx, commands.RegisterManifest{Meta: meta("m-2"), ManifestID: "m1", Spec: firmware})
		wantKind(t, err, domain.KindConflict)
	})
	t.Run("an invalid spec is refused", func(t *testing.T) {
		spec := firmware
		spec.PayloadURL = "not a url"
		_, err := f.h.RegisterManifest(ctx, commands.RegisterManifest{Meta: meta("m-3"), ManifestID: "m3", Spec: spec})
		wantKind(t, err, domain.KindInvalid)
		f.then(t, domain.ManifestStream("m3"))
	})
}

func TestRegisterManifestOverTheLimit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	history := []domain.Event{
		domain.AccountFirmwareLimitsSet{AccountID: acme, MaxManifests: 1, At: at(9)},
		domain.AccountManifestCounted{ManifestID: "m0", Delta: 1, At: at(8)},
	}
	f.given(t, domain.AccountStream(acme), history...)

	_, err := f.h.RegisterManifest(ctx, commands.RegisterManifest{Meta: meta("m-1"), ManifestID: "m1", Spec: firmware})

	wantKind(t, err, domain.KindForbidden)
	f.then(t, domain.ManifestStream("m1"))
	f.then(t, domain.AccountStream(acme), history...)
}

func TestDeleteManifest(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.ManifestStream("m1"), manifestRegistered("m1", acme, 9))
	f.given(t, domain.ManifestStream("g1"), manifestRegistered("g1", globex, 9))
	f.given(t, domain.AccountStream(acme), domain.AccountManifestCounted{ManifestID: "m1", Delta: 1, At: at(9)})

	t.Run("a manifest is deleted and counted out", func(t *testing.T) {
		_, err := f.h.DeleteManifest(ctx, commands.DeleteManifest{Meta: meta("del-1"), ManifestID: "m1"})
		ok(t, err)
		f.then(t, domain.ManifestStream("m1"), manifestRegistered("m1", acme, 9), domain.ManifestDeleted{At: now})
		f.then(t, domain.AccountStream(acme), domain.AccountManifestCounted{ManifestID: "m1", Delta: 1, At: at(9)},
			domain.AccountManifestCounted{ManifestID: "m1", Delta: -1, At: now})
	})
	t.Run("a deleted manifest is not found", func(t *testing.T) {
		_, err := f.h.DeleteManifest(ctx, commands.DeleteManifest{Meta: meta("del-2"), ManifestID: "m1"})
		wantKind(t, err, domain.KindNotFound)
	})
	t.Run("a manifest of another account is not found", func(t *testing.T) {
		_, err := f.h.DeleteManifest(ctx, commands.DeleteManifest{Meta: meta("del-3"), ManifestID: "g1"})
		wantKind(t, err, domain.KindNotFound)
		f.then(t, domain.ManifestStream("g1"), manifestRegistered("g1", globex, 9))
	})
}

func TestAccountLimits(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)

	_, err := f.h.SetCampaignLimits(ctx, commands.SetCampaignLimits{Meta: meta("lim-1"), MaxActiveCampaigns: 3})
	ok(t, err)
	_, err = f.h.SetFirmwareLimits(ctx, commands.SetFirmwareLimits{Meta: meta("lim-2"), MaxManifests: 10, MaxPayloadBytes: 1 << 20})
	ok(t, err)
	_, err = f.h.SetCampaignLimits(ctx, commands.SetCampaignLimits{Meta: meta("lim-3"), MaxActiveCampaigns: 3})
	ok(t, err)
	_, err = f.h.SetFirmwareLimits(ctx, commands.SetFirmwareLimits{Meta: meta("lim-4"), MaxManifests: -1})
	wantKind(t, err, domain.KindInvalid)

	f.then(t, domain.AccountStream(acme),
		domain.AccountCampaignLimitsSet{AccountID: acme, MaxActiveCampaigns: 3, At: now},
		domain.AccountFirmwareLimitsSet{AccountID: acme, MaxManifests: 10, MaxPayloadBytes: 1 << 20, At: now})
}
