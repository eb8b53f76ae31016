package domain

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// deviceRegistered is the registration of device d1 of account acc1.
func deviceRegistered() DeviceRegistered {
	return DeviceRegistered{AccountID: "acc1", DeviceID: "d1", DeviceName: "boiler", DeviceClass: "sensor",
		Vendor: "acme", FirmwareHash: "h1", Groups: []string{"eu", "north"}, Mechanism: "connector", At: t0}
}

// d1Attributes are the attributes deviceRegistered records.
func d1Attributes() DeviceAttributes {
	return DeviceAttributes{Name: "boiler", DeviceClass: "sensor", Vendor: "acme", FirmwareHash: "h1",
		Groups: []string{"eu", "north"}, Mechanism: MechanismConnector}
}

func TestDeviceRegistration(t *testing.T) {
	registered := []Event{deviceRegistered()}
	deregistered := with(registered, DeviceDeregistered{At: at(1)})
	now := at(10)
	renamed := d1Attributes()
	renamed.Name = "kettle"
	register := func(attrs DeviceAttributes) func(*Device) error {
		return func(d *Device) error { return d.Register("acc1", "d1", attrs, now) }
	}
	updatedTo := func(a DeviceAttributes) DeviceUpdated {
		return DeviceUpdated{DeviceName: a.Name, DeviceClass: a.DeviceClass, Vendor: a.Vendor, FirmwareHash: a.FirmwareHash,
			Groups: a.Groups, Mechanism: string(a.Mechanism), At: now}
	}
	reregistered := deviceRegistered()
	reregistered.At = now
	runScenarios(t, LoadDevice, []scenario[*Device]{
		{name: "a new device registers, groups sorted and the mechanism defaulted", when: register(DeviceAttributes{
			Name: "boiler", DeviceClass: "sensor", Vendor: "acme", FirmwareHash: "h1", Groups: []string{"north", "eu", "north"}}),
			then: []Event{reregistered}},
		{name: "a registration repeated with the same attributes records nothing", given: registered,
			when: register(DeviceAttributes{Name: "boiler", DeviceClass: "sensor", Vendor: "acme", FirmwareHash: "h1", Groups: []string{"north", "eu"}})},
		{name: "a registration with new attributes records them as an update", given: registered,
			when: register(renamed), then: []Event{updatedTo(renamed)}},
		{name: "a deregistered device registers again", given: deregistered, when: register(d1Attributes()),
			then: []Event{reregistered}},
		{name: "a stream registers only its own device", given: registered,
			when: func(d *Device) error { return d.Register("acc1", "d2", d1Attributes(), now) }, err: InvalidError{Field: "device_id"}},
		{name: "a device id with a space is refused",
			when: func(d *Device) error { return d.Register("acc1", "d 1", d1Attributes(), now) }, err: InvalidError{Field: "device_id"}},
		{name: "an account id with a dash is refused",
			when: func(d *Device) error { return d.Register("acc-1", "d1", d1Attributes(), now) }, err: InvalidError{Field: "account_id"}},
		{name: "an unknown mechanism is refused", when: register(DeviceAttributes{Mechanism: "pigeon"}), err: InvalidError{Field: "mechanism"}},
		{name: "a name of 129 characters is refused", when: register(DeviceAttributes{Name: strings.Repeat("n", 129)}), err: InvalidError{Field: "name"}},
	})
}

func TestDeviceCatalogChanges(t *testing.T) {
	registered := []Event{deviceRegistered()}
	deregistered := with(registered, DeviceDeregistered{At: at(1)})
	now := at(10)
	renamed := d1Attributes()
	renamed.Name = "kettle"
	runScenarios(t, LoadDevice, []scenario[*Device]{
		{name: "a registered device's attributes are updated", given: registered,
			when: func(d *Device) error { return d.UpdateAttributes(renamed, now) },
			then: []Event{DeviceUpdated{DeviceName: "kettle", DeviceClass: "sensor", Vendor: "acme", FirmwareHash: "h1",
				Groups: []string{"eu", "north"}, Mechanism: "connector", At: now}}},
		{name: "an update to the same attributes records nothing", given: registered,
			when: func(d *Device) error { return d.UpdateAttributes(d1Attributes(), now) }},
		{name: "a deregistered device's attributes are not updated", given: deregistered,
			when: func(d *Device) error { return d.UpdateAttributes(renamed, now) },
			err:  InvalidTransitionError{Object: "device", From: "deregistered", To: "updated"}},
		{name: "an unknown device's attributes are not updated",
			when: func(d *Device) error { return d.UpdateAttributes(renamed, now) }, err: NotFoundError{Object: "device"}},
		{name: "a device without an update deregisters", given: registered,
			when: func(d *Device) error { return d.Deregister(now) }, then: []Event{DeviceDeregistered{At: now}}},
		{name: "a device in a campaign deregisters, ending its update", given: with(registered, DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(1)},
			DeviceUpdateStateChanged{CampaignID: "c1", From: UpdatePending, To: UpdateScheduled, At: at(2)}),
			when: func(d *Device) error { return d.Deregister(now) },
			then: []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateScheduled, To: UpdateDeregistered, Reason: "device deregistered", At: now},
				DeviceDeregistered{At: now}}},
		{name: "a device whose update ended deregisters alone", given: with(registered, DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(1)},
			DeviceUpdateStateChanged{CampaignID: "c1", From: UpdatePending, To: UpdateRejected, At: at(2)}),
			when: func(d *Device) error { return d.Deregister(now) }, then: []Event{DeviceDeregistered{At: now}}},
		{name: "a second deregistration records nothing", given: deregistered, when: func(d *Device) error { return d.Deregister(now) }},
		{name: "an unknown device does not deregister", when: func(d *Device) error { return d.Deregister(now) }, err: NotFoundError{Object: "device"}},
		{name: "reported resources are recorded", given: registered,
			when: func(d *Device) error { return d.ReportResources(DeviceResources{FirmwareHash: "h2"}, now) },
			then: []Event{DeviceResourcesReported{FirmwareHash: "h2", At: now}}},
		{name: "resources reported unchanged record nothing", given: registered,
			when: func(d *Device) error {
				return d.ReportResources(DeviceResources{DeviceClass: "sensor", FirmwareHash: "h1"}, now)
			}},
		{name: "a deregistered device reports no resources", given: deregistered,
			when: func(d *Device) error { return d.ReportResources(DeviceResources{FirmwareHash: "h2"}, now) },
			err:  InvalidTransitionError{Object: "device", From: "deregistered", To: "resources reported"}},
		{name: "a subscription is recorded", given: registered,
			when: func(d *Device) error { return d.ChangeSubscription(true, now) },
			then: []Event{DeviceSubscriptionChanged{Subscribed: true, At: now}}},
		{name: "an unsubscription of an unsubscribed device records nothing", given: registered,
			when: func(d *Device) error { return d.ChangeSubscription(false, now) }},
		{name: "a deregistered device's subscription does not change", given: deregistered,
			when: func(d *Device) error { return d.ChangeSubscription(true, now) },
			err:  InvalidTransitionError{Object: "device", From: "deregistered", To: "subscription changed"}},
		{name: "an unknown device's subscription does not change",
			when: func(d *Device) error { return d.ChangeSubscription(true, now) }, err: NotFoundError{Object: "device"}},
	})
}

func TestDeviceReportedResourcesKeepWhatWasNotReported(t *testing.T) {
	d, err := LoadDevice([]Event{deviceRegistered(), DeviceResourcesReported{FirmwareHash: "h2", At: at(1)}})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{d.DeviceClass(), d.Vendor(), d.FirmwareHash()}
	if want := []string{"sensor", "acme", "h2"}; !cmp.Equal(got, want) {
		t.Errorf("class, vendor, hash = %v, want %v", got, want)
	}
}

// deviceGetters reads every getter of a device.
func deviceGetters(d *Device) map[string]any {
	active, hasActive := d.ActiveCampaign()
	u1, has1 := d.Update("c1")
	return map[string]any{
		"AccountID": d.AccountID(), "ID": d.ID(), "State": d.State(), "Registered": d.Registered(),
		"Attributes": d.Attributes(), "Name": d.Name(), "Description": d.Description(),
		"DeviceClass": d.DeviceClass(), "Vendor": d.Vendor(), "FirmwareHash": d.FirmwareHash(),
		"Groups": d.Groups(), "Mechanism": d.Mechanism(), "MechanismURL": d.MechanismURL(),
		"Subscribed": d.Subscribed(), "Updates": d.Updates(), "Update c1": u1, "Has c1": has1,
		"ActiveCampaign": active, "HasActive": hasActive, "RegisteredAt": d.RegisteredAt(),
		"DeregisteredAt": d.DeregisteredAt(), "UpdatedAt": d.UpdatedAt(),
	}
}

func TestDeviceGettersAndStoreRoundTrip(t *testing.T) {
	d, _ := LoadDevice(nil)
	steps := []func() error{
		func() error {
			return d.Register("acc1", "d1", DeviceAttributes{Name: "boiler", DeviceClass: "sensor", Groups: []string{"b", "a"}, MechanismURL: "coap://x"}, t0)
		},
		func() error { return d.ChangeSubscription(true, at(1)) },
		func() error { return d.ReportResources(DeviceResources{Vendor: "acme", FirmwareHash: "h1"}, at(2)) },
		func() error { return d.Skip("c0", SkipAlreadyUpdated, at(3)) },
		func() error { return d.Enroll("c1", "m1", at(4)) },
		func() error { return d.ChangeUpdateState("c1", UpdateChange{To: UpdateScheduled}, at(5)) },
		func() error {
			return d.ChangeUpdateState("c1", UpdateChange{To: UpdateUpdatedConnectorChannel, AsyncID: "a1"}, at(6))
		},
		func() error {
			return d.ChangeUpdateState("c1", UpdateChange{To: UpdateFailed, ResultCode: 7, Reason: "flash"}, at(7))
		},
		func() error { return d.Enroll("c2", "m2", at(8)) },
		func() error { return d.Deregister(at(9)) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := map[string]any{
		"AccountID": AccountID("acc1"), "ID": DeviceID("d1"), "State": DeviceDeregisteredState, "Registered": false,
		"Attributes": DeviceAttributes{Name: "boiler", DeviceClass: "sensor", Vendor: "acme", FirmwareHash: "h1",
			Groups: []string{"a", "b"}, Mechanism: MechanismConnector, MechanismURL: "coap://x"},
		"Name": "boiler", "Description": "", "DeviceClass": "sensor", "Vendor": "acme", "FirmwareHash": "h1",
		"Groups": []string{"a", "b"}, "Mechanism": MechanismConnector, "MechanismURL": "coap://x", "Subscribed": true,
		"Updates":   map[CampaignID]UpdateState{"c0": UpdateSkipped, "c1": UpdateFailed, "c2": UpdateDeregistered},
		"Update c1": DeviceUpdate{Campaign: "c1", Manifest: "m1", State: UpdateFailed, ResultCode: 7, Reason: "flash", Attempts: 1, CreatedAt: at(4), UpdatedAt: at(7)},
		"Has c1":    true, "ActiveCampaign": CampaignID(""), "HasActive": false,
		"RegisteredAt": t0, "DeregisteredAt": at(9), "UpdatedAt": at(9),
	}
	if diff := cmp.Diff(want, deviceGetters(d)); diff != "" {
		t.Errorf("getters (-want +got):\n%s", diff)
	}
	loaded, err := LoadDevice(roundTrip(t, d.Changes()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(deviceGetters(d), deviceGetters(loaded)); diff != "" {
		t.Errorf("getters after loading the stored events (-recorded +loaded):\n%s", diff)
	}
}
