package domain

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// sensorManifest is a manifest for class sensor delivering digest-2.
func sensorManifest(t *testing.T) *Manifest {
	t.Helper()
	m, err := NewManifest("m1", "acc1", ManifestSpec{Name: "fw 2", DeviceClass: "sensor", PayloadType: PayloadFull,
		PayloadURL: "https://fw.example/2.bin", PayloadDigest: "digest-2", PayloadSize: 10, Timestamp: at(0)}, at(0))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The enrolment verdict's facts, one of each rule's cases.
var (
	fitting      = DeviceFacts{State: DeviceRegisteredState, DeviceClass: "sensor", FirmwareHash: "digest-1"}
	deregistered = DeviceFacts{State: DeviceDeregisteredState, DeviceClass: "sensor", FirmwareHash: "digest-1"}
	camera       = DeviceFacts{State: DeviceRegisteredState, DeviceClass: "camera", FirmwareHash: "digest-1"}
	upToDate     = DeviceFacts{State: DeviceRegisteredState, DeviceClass: "sensor", FirmwareHash: "digest-2"}
	busy         = DeviceFacts{State: DeviceRegisteredState, DeviceClass: "sensor", FirmwareHash: "digest-1", ActiveCampaign: "other"}
)

func TestEnrolmentVerdict(t *testing.T) {
	m := sensorManifest(t)
	skipped := func(r SkipReason) Verdict { return Verdict{Action: VerdictSkip, Reason: r} }
	enrolled := Verdict{Action: VerdictEnrol}
	for _, tc := range []struct {
		name     string
		facts    DeviceFacts
		manifest *Manifest
		conflict ConflictPolicy
		want     Verdict
	}{
		{"a registered device of the manifest's class on older firmware is enrolled", fitting, m, ConflictSkip, enrolled},
		{"a device never registered is skipped as deregistered", DeviceFacts{DeviceClass: "sensor"}, m, ConflictSkip, skipped(SkipDeregistered)},
		{"a deregistered device is skipped", deregistered, m, ConflictSkip, skipped(SkipDeregistered)},
		{"a deregistered device of another class is skipped as deregistered first", DeviceFacts{State: DeviceDeregisteredState, DeviceClass: "camera"}, m, ConflictSkip, skipped(SkipDeregistered)},
		{"a device of another class is skipped", camera, m, ConflictSkip, skipped(SkipDeviceClassMismatch)},
		{"a device already running the payload is skipped", upToDate, m, ConflictSkip, skipped(SkipAlreadyUpdated)},
		{"an up-to-date device in another campaign is skipped as up to date", DeviceFacts{State: DeviceRegisteredState, DeviceClass: "sensor", FirmwareHash: "digest-2", ActiveCampaign: "other"}, m, ConflictQueue, skipped(SkipAlreadyUpdated)},
		{"a device in another campaign is skipped under the skip policy", busy, m, ConflictSkip, skipped(SkipInOtherCampaign)},
		{"a device in another campaign is skipped under no policy", busy, m, "", skipped(SkipInOtherCampaign)},
		{"a device in another campaign is queued under the queue policy", busy, m, ConflictQueue, Verdict{Action: VerdictQueue}},
		{"a device in another campaign is superseded under the supersede policy", busy, m, ConflictSupersede, Verdict{Action: VerdictSupersede}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := EnrolmentVerdict(tc.facts, tc.manifest, tc.conflict); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestADeviceIsJudgedOnItsOwnFacts(t *testing.T) {
	d, _ := LoadDevice(nil)
	if err := d.Register("acc1", "dev1", DeviceAttributes{DeviceClass: "sensor", FirmwareHash: "digest-1", Mechanism: MechanismConnector}, at(0)); err != nil {
		t.Fatal(err)
	}
	if err := d.Enroll("other", "m0", at(1)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(busy, d.Facts()); diff != "" {
		t.Errorf("facts (-want +got):\n%s", diff)
	}
}

func TestCampaignPreview(t *testing.T) {
	policy := RolloutPolicy{Waves: []Wave{{Percent: 10, SoakSeconds: 60}, {Count: 2, SuccessPercent: ptr(80.0)}, {Percent: 100}},
		Conflict: ConflictQueue}.Normalized()
	draft := []Event{createdWith(func(e *CampaignCreated) { e.Rollout = &policy })}
	c, err := LoadCampaign(draft)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.BeginPreview(sensorManifest(t), at(5))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range []DeviceFacts{camera, deregistered, upToDate, busy} {
		p.Judge(DeviceID(rune('a'+i)), f)
	}
	for i := range 25 {
		p.Judge(DeviceID(rune('A'+i)), fitting)
	}
	p.Plan(10, time.Second)
	want := &CampaignPreview{CampaignID: c.ID(), Targeted: 26, Queued: 1, ComputedAt: at(5),
		Skipped: map[SkipReason]int{SkipDeviceClassMismatch: 1, SkipDeregistered: 1, SkipAlreadyUpdated: 1},
		Waves: []PlannedWave{{Wave: 1, Size: 3, SuccessPercent: 95, SoakSeconds: 60}, {Wave: 2, Size: 2, SuccessPercent: 80},
			{Wave: 3, Size: 21, SuccessPercent: 95}},
		EstimatedDuration: policy.EstimateDuration(26, 10, time.Second),
		TargetedExamples:  []DeviceID{"d", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S"},
		SkippedExamples:   []SkippedDevice{{"a", SkipDeviceClassMismatch}, {"b", SkipDeregistered}, {"c", SkipAlreadyUpdated}},
	}
	if diff := cmp.Diff(want, p, cmpopts.IgnoreUnexported(CampaignPreview{})); diff != "" {
		t.Errorf("preview (-want +got):\n%s", diff)
	}
	if p.EstimatedDuration != 62*time.Second {
		t.Errorf("estimated %v, want 62s: the first wave's soak of 60s and two pauses between the three pages of the last wave's 21", p.EstimatedDuration)
	}
}

func TestOnlyADraftCampaignIsPreviewed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		history []Event
		want    error
	}{
		{"a starting campaign is refused", []Event{campaignCreated(), CampaignStartRequested{Phase: PhaseStarting, At: at(1)}},
			InvalidTransitionError{Object: "campaign", From: "starting/allocatingquota", To: "preview"}},
		{"a deleted campaign is not found", []Event{campaignCreated(), CampaignDeleted{At: at(1)}},
			NotFoundError{Object: "campaign", ID: string(campaignCreated().CampaignID)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadCampaign(tc.history)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.BeginPreview(sensorManifest(t), at(2))
			if err != tc.want {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}
