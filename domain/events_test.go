package domain

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEveryEventTypeDecodesToItself stores and reads back one event of
// each registered type: decoding must give the same Go type and values,
// or no aggregate could be loaded from the store.
func TestEveryEventTypeDecodesToItself(t *testing.T) {
	samples := []Event{
		campaignCreated(), createdWith(func(e *CampaignCreated) { e.When = ptr(at(5)) }),
		CampaignEdited{CampaignName: "n", When: ptr(at(6)), At: at(1)},
		CampaignStartRequested{Phase: PhaseTimed, At: at(1)}, CampaignApproved{Phase: PhaseStarting, At: at(1)},
		CampaignStarting{At: at(1)}, CampaignQuotaAllocated{At: at(1)},
		CampaignManifestChecked{ManifestTimestamp: at(-5), At: at(1)},
		CampaignBatchProcessed{Batch: 1, Enrolled: 2, Skipped: map[SkipReason]int{SkipDeregistered: 1}, Cursor: "x", Last: true, At: at(1)},
		CampaignPublishing{At: at(1)}, CampaignDeploying{At: at(1)},
		CampaignStopRequested{Reason: StateExpired, At: at(1)}, CampaignStopped{State: StateDeployed, At: at(1)},
		CampaignStopRequested{Reason: StateAutoStopped, Detail: "the campaign: 5 of 10 finished devices failed", At: at(1)},
		createdWith(func(e *CampaignCreated) { e.Rollout = ptr(sampleRollout().Normalized()) }),
		CampaignWaveStarted{Wave: 2, Size: 30, At: at(1)}, CampaignWaveSucceeded{Wave: 2, At: at(1)},
		CampaignPaused{Cause: PausedByRule, Reason: "too many failures", Rule: 1, Wave: 2, At: at(1)}, CampaignResumed{At: at(2)},
		CampaignArchived{At: at(1)}, CampaignDeleted{At: at(1)},
		deviceRegistered(), DeviceUpdated{DeviceName: "n", Groups: []string{"g"}, Mechanism: "direct", At: at(1)},
		DeviceDeregistered{At: at(1)}, DeviceResourcesReported{DeviceClass: "c", At: at(1)},
		DeviceSubscriptionChanged{Subscribed: true, At: at(1)}, DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(1)},
		DeviceSkipped{CampaignID: "c1", Reason: SkipAlreadyUpdated, At: at(1)},
		DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateInstalling, To: UpdateFailed, ResultCode: 9, Reason: "r", AsyncID: "a", At: at(1)},
		DeviceUpdateCancelRequested{CampaignID: "c1", Reason: "r", At: at(1)},
		manifestRegistered(), ManifestDeleted{At: at(1)}, imageUploaded(), FirmwareImageDeleted{At: at(2)},
		AccountCampaignLimitsSet{AccountID: "acc1", MaxActiveCampaigns: 3, At: at(1)},
		AccountFirmwareLimitsSet{AccountID: "acc1", MaxManifests: 2, MaxPayloadBytes: 9, At: at(1)},
		AccountQuotaReserved{CampaignID: "c1", At: at(1)}, AccountQuotaReleased{CampaignID: "c1", At: at(1)},
		AccountManifestCounted{ManifestID: "m1", Delta: -1, At: at(1)},
		UpdateCreated{UpdateID: "u1", AccountID: "acme", SourceID: "m1", SourceType: "external", UpdateName: "fw 2", Description: "d", At: at(1)},
		jobCreated(), UploadJobEdited{JobName: "n", Description: "d", At: at(1)}, chunkAppended(0, 10),
		UploadJobCompleted{FirmwareImageID: "i1", At: at(1)}, UploadJobDeleted{At: at(1)},
		webhookRegistered(), WebhookDeleted{At: at(1)},
	}
	covered := map[string]bool{}
	for _, e := range samples {
		covered[e.Name()] = true
		got := roundTrip(t, []Event{e})[0]
		if reflect.TypeOf(got) != reflect.TypeOf(e) {
			t.Errorf("%s decodes to a %T, want a %T", e.Name(), got, e)
		}
		if diff := cmp.Diff(e, got); diff != "" {
			t.Errorf("%s after the store (-stored +read):\n%s", e.Name(), diff)
		}
	}
	for name := range eventTypes {
		if !covered[name] {
			t.Errorf("no sample of registered event type %s", name)
		}
	}
}

func TestDecodeEventRefusesAnUnknownType(t *testing.T) {
	if e, err := DecodeEvent("CampaignExploded", []byte(`{}`)); err == nil {
		t.Errorf("DecodeEvent of an unknown type = %v, want an error", e)
	}
}
