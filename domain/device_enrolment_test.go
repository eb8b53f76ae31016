package domain_test

import (
	"testing"
	"time"

	"github.com/updateservice/updateservice/domain"
)

func TestEnrolOrSkipAppliesTheEnrolmentRules(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	manifest, err := domain.NewManifest("m1", "acc1", domain.ManifestSpec{Name: "fw 2", DeviceClass: "sensor",
		PayloadType: domain.PayloadFull, PayloadURL: "https://fw.example/2.bin", PayloadDigest: "digest-2", PayloadSize: 10, Timestamp: now}, now)
	if err != nil {
		t.Fatal(err)
	}
	device := func(attrs domain.DeviceAttributes, then ...func(*domain.Device) error) *domain.Device {
		t.Helper()
		d, _ := domain.LoadDevice(nil)
		if err := d.Register("acc1", "dev1", attrs, now); err != nil {
			t.Fatal(err)
		}
		for _, f := range then {
			if err := f(d); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	sensor := domain.DeviceAttributes{DeviceClass: "sensor", FirmwareHash: "digest-1", Mechanism: domain.MechanismConnector}
	cases := []struct {
		name   string
		device *domain.Device
		want   domain.SkipReason
	}{
		{"a registered device of the manifest's class is enrolled", device(sensor), ""},
		{"a deregistered device is skipped", device(sensor, func(d *domain.Device) error { return d.Deregister(now) }), domain.SkipDeregistered},
		{"a device of another class is skipped", device(domain.DeviceAttributes{DeviceClass: "camera", Mechanism: domain.MechanismConnector}), domain.SkipDeviceClassMismatch},
		{"a device running the payload already is skipped", device(domain.DeviceAttributes{DeviceClass: "sensor", FirmwareHash: "digest-2", Mechanism: domain.MechanismConnector}), domain.SkipAlreadyUpdated},
		{"a device in another active campaign is skipped", device(sensor, func(d *domain.Device) error { return d.Enroll("other", "m0", now) }), domain.SkipInOtherCampaign},
		{"a device whose update failed in another campaign (a retry's main campaign) is enrolled", device(sensor,
			func(d *domain.Device) error { return d.Enroll("main", "m0", now) },
			func(d *domain.Device) error {
				return d.ChangeUpdateState("main", domain.UpdateChange{To: domain.UpdateFailed, FailureCode: "INSTALL_FAILED"}, now)
			}), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.device.EnrolOrSkip("c1", manifest, now)
			if err != nil {
				t.Fatalf("EnrolOrSkip: %v", err)
			}
			if got != c.want {
				t.Fatalf("skip reason %q, want %q", got, c.want)
			}
			u, ok := c.device.Update("c1")
			wantState := domain.UpdatePending
			if c.want != "" {
				wantState = domain.UpdateSkipped
			}
			if !ok || u.State != wantState {
				t.Errorf("update in c1 = %+v (present %v), want state %s", u, ok, wantState)
			}
			again, err := c.device.EnrolOrSkip("c1", manifest, now)
			if err != nil || again != c.want {
				t.Errorf("second EnrolOrSkip = %q, %v; want the first decision %q", again, err, c.want)
			}
		})
	}
}

// The conflict policy decides only for a device another campaign holds:
// queue enrols it queued, supersede enrols it pending, skip skips it; a
// device skipped for another reason stays skipped whatever the policy.
func TestEnrolOrSkipUnderAConflictPolicy(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	manifest, err := domain.NewManifest("m1", "acc1", domain.ManifestSpec{Name: "fw 2", DeviceClass: "sensor",
		PayloadType: domain.PayloadFull, PayloadURL: "https://fw.example/2.bin", PayloadDigest: "digest-2", PayloadSize: 10, Timestamp: now}, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		policy     domain.ConflictPolicy
		class      string
		wantSkip   domain.SkipReason
		wantState  domain.UpdateState
		wantActive domain.CampaignID
	}{
		{"skip skips a held device", domain.ConflictSkip, "sensor", domain.SkipInOtherCampaign, domain.UpdateSkipped, "other"},
		{"queue queues a held device", domain.ConflictQueue, "sensor", "", domain.UpdateQueued, "other"},
		{"supersede takes a held device", domain.ConflictSupersede, "sensor", "", domain.UpdatePending, "c1"},
		{"a held device of another class is skipped for its class", domain.ConflictSupersede, "camera", domain.SkipDeviceClassMismatch, domain.UpdateSkipped, "other"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, _ := domain.LoadDevice(nil)
			if err := d.Register("acc1", "dev1", domain.DeviceAttributes{DeviceClass: c.class, FirmwareHash: "digest-1", Mechanism: domain.MechanismConnector}, now); err != nil {
				t.Fatal(err)
			}
			if err := d.Enroll("other", "m0", now); err != nil {
				t.Fatal(err)
			}
			skip, err := d.EnrolOrSkipUnder("c1", manifest, c.policy, now)
			u, _ := d.Update("c1")
			active, _ := d.ActiveCampaign()
			if err != nil || skip != c.wantSkip || u.State != c.wantState || active != c.wantActive {
				t.Errorf("got skip %q, state %s, active %q, error %v; want %q, %s, %q", skip, u.State, active, err, c.wantSkip, c.wantState, c.wantActive)
			}
		})
	}
}
