package commands_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// sensor are the attributes the device tests register.
var sensor = domain.DeviceAttributes{Name: "sensor", DeviceClass: "class-a", Vendor: "v1", FirmwareHash: "fw1", Groups: []string{"lab"}}

// registered is the event of device id of account joining with sensor.
func registered(account domain.AccountID, id domain.DeviceID, when int) domain.DeviceRegistered {
	return domain.DeviceRegistered{AccountID: account, DeviceID: id, DeviceName: "sensor", DeviceClass: "class-a",
		Vendor: "v1", FirmwareHash: "fw1", Groups: []string{"lab"}, Mechanism: "connector", At: at(when)}
}

func TestRegisterDevice(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	stream := domain.DeviceStream(acme, "d1")

	t.Run("a new device joins the catalog", func(t *testing.T) {
		_, err := f.h.RegisterDevice(ctx, commands.RegisterDevice{Meta: meta("reg-1"), DeviceID: "d1", Attributes: sensor})
		ok(t, err)
		f.then(t, stream, registered(acme, "d1", 0))
	})
	t.Run("registering again with the same attributes records nothing", func(t *testing.T) {
		res, err := f.h.RegisterDevice(ctx, commands.RegisterDevice{Meta: meta("reg-2"), DeviceID: "d1", Attributes: sensor})
		ok(t, err)
		if res.Position.Commit != 0 {
			t.Errorf("position %v, want zero for a command that changed nothing", res.Position)
		}
		f.then(t, stream, registered(acme, "d1", 0))
	})
	t.Run("an invalid device id is refused", func(t *testing.T) {
		_, err := f.h.RegisterDevice(ctx, commands.RegisterDevice{Meta: meta("reg-3"), DeviceID: "has space", Attributes: sensor})
		wantKind(t, err, domain.KindInvalid)
	})
}

// A first delivery appends without reading the device's stream; when the
// device exists after all, it decides on what is there, exactly as a
// repeated delivery does.
func TestRegisterDeviceOnFirstDelivery(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	first := func(id string) commands.Meta {
		m := meta(id)
		m.FirstDelivery = true
		return m
	}
	renamed := sensor
	renamed.Name = "renamed"
	updated := domain.DeviceUpdated{DeviceName: "renamed", DeviceClass: "class-a", Vendor: "v1", FirmwareHash: "fw1",
		Groups: []string{"lab"}, Mechanism: "connector", At: now}

	t.Run("a new device joins the catalog", func(t *testing.T) {
		res, err := f.h.RegisterDevice(ctx, commands.RegisterDevice{Meta: first("first-1"), DeviceID: "d1", Attributes: sensor})
		ok(t, err)
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 0))
		if diff := cmp.Diff([]domain.Event{registered(acme, "d1", 0)}, res.Stream); diff != "" {
			t.Errorf("result's stream (-want +got):\n%s", diff)
		}
	})
	t.Run("a known device takes the new attributes", func(t *testing.T) {
		res, err := f.h.RegisterDevice(ctx, commands.RegisterDevice{Meta: first("first-2"), DeviceID: "d1", Attributes: renamed})
		ok(t, err)
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 0), updated)
		if diff := cmp.Diff([]domain.Event{registered(acme, "d1", 0), updated}, res.Stream); diff != "" {
			t.Errorf("result's stream (-want +got):\n%s", diff)
		}
	})
	t.Run("the same attributes again record nothing", func(t *testing.T) {
		res, err := f.h.RegisterDevice(ctx, commands.RegisterDevice{Meta: first("first-3"), DeviceID: "d1", Attributes: renamed})
		ok(t, err)
		if res.Position.Commit != 0 || len(res.Stream) != 2 {
			t.Errorf("result %+v, want no position and the stream's two events", res)
		}
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 0), updated)
	})
	t.Run("an invalid device id is refused", func(t *testing.T) {
		_, err := f.h.RegisterDevice(ctx, commands.RegisterDevice{Meta: first("first-4"), DeviceID: "has space", Attributes: sensor})
		wantKind(t, err, domain.KindInvalid)
	})
}

func TestUpdateDevice(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5))
	f.given(t, domain.DeviceStream(globex, "g1"), registered(globex, "g1", 5))
	renamed := sensor
	renamed.Name = "renamed"

	t.Run("a registered device takes new attributes", func(t *testing.T) {
		_, err := f.h.UpdateDevice(ctx, commands.UpdateDevice{Meta: meta("upd-1"), DeviceID: "d1", Attributes: renamed})
		ok(t, err)
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5),
			domain.DeviceUpdated{DeviceName: "renamed", DeviceClass: "class-a", Vendor: "v1", FirmwareHash: "fw1",
				Groups: []string{"lab"}, Mechanism: "connector", At: now})
	})
	t.Run("a device of another account is not found", func(t *testing.T) {
		_, err := f.h.UpdateDevice(ctx, commands.UpdateDevice{Meta: meta("upd-2"), DeviceID: "g1", Attributes: renamed})
		wantKind(t, err, domain.KindNotFound)
		f.then(t, domain.DeviceStream(globex, "g1"), registered(globex, "g1", 5))
	})
	t.Run("a device never registered is not found", func(t *testing.T) {
		_, err := f.h.UpdateDevice(ctx, commands.UpdateDevice{Meta: meta("upd-3"), DeviceID: "nobody", Attributes: renamed})
		wantKind(t, err, domain.KindNotFound)
	})
}

// TestCommandHandledTwiceRecordsOnce redelivers a registration after a
// later update: deciding again would put the old attributes back.
func TestCommandHandledTwiceRecordsOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	renamed := sensor
	renamed.Name = "renamed"
	first := commands.RegisterDevice{Meta: meta("reg-1"), DeviceID: "d1", Attributes: sensor}
	res1, err := f.h.RegisterDevice(ctx, first)
	ok(t, err)
	_, err = f.h.UpdateDevice(ctx, commands.UpdateDevice{Meta: meta("upd-1"), DeviceID: "d1", Attributes: renamed})
	ok(t, err)

	res2, err := f.h.RegisterDevice(ctx, first)
	ok(t, err)

	if got := len(f.events(t, domain.DeviceStream(acme, "d1"))); got != 2 {
		t.Errorf("the stream holds %d events, want 2 (registered, updated)", got)
	}
	if res2.Position.Less(res1.Position) {
		t.Errorf("the redelivery answers position %v, before the first handling's %v", res2.Position, res1.Position)
	}
}

func TestDeregisterDevice(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5),
		domain.DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(4)})
	f.given(t, domain.DeviceStream(globex, "g1"), registered(globex, "g1", 5))

	t.Run("a device leaves the catalog and its active update ends", func(t *testing.T) {
		_, err := f.h.DeregisterDevice(ctx, commands.DeregisterDevice{Meta: meta("dereg-1"), DeviceID: "d1"})
		ok(t, err)
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5),
			domain.DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(4)},
			domain.DeviceUpdateStateChanged{CampaignID: "c1", From: domain.UpdatePending, To: domain.UpdateDeregistered, Reason: "device deregistered", At: now},
			domain.DeviceDeregistered{At: now})
	})
	t.Run("a device of another account is not found", func(t *testing.T) {
		_, err := f.h.DeregisterDevice(ctx, commands.DeregisterDevice{Meta: meta("dereg-2"), DeviceID: "g1"})
		wantKind(t, err, domain.KindNotFound)
		f.then(t, domain.DeviceStream(globex, "g1"), registered(globex, "g1", 5))
	})
}

func TestHandleRegistration(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5))

	t.Run("a device the catalog lacks joins it", func(t *testing.T) {
		_, err := f.h.HandleRegistration(ctx, commands.HandleRegistration{Meta: meta("cr-1"), DeviceID: "d2",
			Attributes: domain.DeviceAttributes{DeviceClass: "class-b"}})
		ok(t, err)
		f.then(t, domain.DeviceStream(acme, "d2"), domain.DeviceRegistered{AccountID: acme, DeviceID: "d2",
			DeviceClass: "class-b", Mechanism: "connector", At: now})
	})
	t.Run("a known device keeps what the connector did not report", func(t *testing.T) {
		_, err := f.h.HandleRegistration(ctx, commands.HandleRegistration{Meta: meta("cr-2"), DeviceID: "d1",
			Attributes: domain.DeviceAttributes{DeviceClass: "class-b"}})
		ok(t, err)
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5),
			domain.DeviceUpdated{DeviceName: "sensor", DeviceClass: "class-b", Vendor: "v1", FirmwareHash: "fw1",
				Groups: []string{"lab"}, Mechanism: "connector", At: now})
	})
	t.Run("a repeated registration records nothing", func(t *testing.T) {
		_, err := f.h.HandleRegistration(ctx, commands.HandleRegistration{Meta: meta("cr-3"), DeviceID: "d1",
			Attributes: domain.DeviceAttributes{DeviceClass: "class-b"}})
		ok(t, err)
		if got := len(f.events(t, domain.DeviceStream(acme, "d1"))); got != 2 {
			t.Errorf("the stream holds %d events, want 2", got)
		}
	})
}

func TestHandleDeregistration(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5))

	t.Run("a known device is deregistered", func(t *testing.T) {
		_, err := f.h.HandleDeregistration(ctx, commands.HandleDeregistration{Meta: meta("cd-1"), DeviceID: "d1"})
		ok(t, err)
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5), domain.DeviceDeregistered{At: now})
	})
	t.Run("a device the catalog never had is ignored", func(t *testing.T) {
		_, err := f.h.HandleDeregistration(ctx, commands.HandleDeregistration{Meta: meta("cd-2"), DeviceID: "stranger"})
		ok(t, err)
		f.then(t, domain.DeviceStream(acme, "stranger"))
	})
}

func TestCancelDeviceUpdate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	enrolled := domain.DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(4)}
	deployed := domain.DeviceUpdateStateChanged{CampaignID: "c2", From: domain.UpdatePending, To: domain.UpdateDeployed, At: at(3)}
	f.given(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5), enrolled)
	f.given(t, domain.DeviceStream(acme, "d2"), registered(acme, "d2", 5), domain.DeviceEnrolled{CampaignID: "c2", ManifestID: "m1", At: at(4)}, deployed)
	cancel := func(id string, campaign domain.CampaignID, device domain.DeviceID) error {
		_, err := f.h.CancelDeviceUpdate(ctx, commands.CancelDeviceUpdate{Meta: meta(id), CampaignID: campaign, DeviceID: device})
		return err
	}

	t.Run("an unfinished update ends cancelled", func(t *testing.T) {
		ok(t, cancel("cancel-1", "c1", "d1"))
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 5), enrolled,
			domain.DeviceUpdateStateChanged{CampaignID: "c1", From: domain.UpdatePending, To: domain.UpdateCancelled, Reason: "cancelled by its user", At: now})
	})
	t.Run("a finished update stays as it ended", func(t *testing.T) {
		ok(t, cancel("cancel-2", "c2", "d2"))
		f.then(t, domain.DeviceStream(acme, "d2"), registered(acme, "d2", 5), domain.DeviceEnrolled{CampaignID: "c2", ManifestID: "m1", At: at(4)}, deployed)
	})
	t.Run("a device not in the campaign is not found", func(t *testing.T) {
		wantKind(t, cancel("cancel-3", "c2", "d1"), domain.KindNotFound)
	})
	t.Run("another account's device is not found", func(t *testing.T) {
		_, err := f.h.CancelDeviceUpdate(ctx, commands.CancelDeviceUpdate{Meta: commands.Meta{Account: globex, CommandID: "cancel-4"}, CampaignID: "c1", DeviceID: "d1"})
		wantKind(t, err, domain.KindNotFound)
	})
}
