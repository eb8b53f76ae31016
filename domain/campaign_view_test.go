package domain

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// campaignGetters reads every getter of a campaign.
func campaignGetters(c *Campaign) map[string]any {
	when, hasWhen := c.When()
	return map[string]any{
		"ID": c.ID(), "AccountID": c.AccountID(), "Name": c.Name(), "Description": c.Description(),
		"ManifestID": c.ManifestID(), "DeviceFilter": c.DeviceFilter(), "Strategy": c.Strategy(),
		"ApprovalRequired": c.ApprovalRequired(), "Autostop": c.Autostop(),
		"AutostopSuccessPercent": c.AutostopSuccessPercent(), "When": when, "HasWhen": hasWhen,
		"Phase": c.Phase(), "State": c.State(), "StopReason": c.StopReason(), "Status": c.Status(),
		"ManifestTimestamp": c.ManifestTimestamp(), "Batches": c.Batches(), "Enrolled": c.Enrolled(),
		"Skipped": c.Skipped(), "SkippedByReason": c.SkippedByReason(), "Cursor": c.Cursor(),
		"CreatedAt": c.CreatedAt(), "UpdatedAt": c.UpdatedAt(), "StartedAt": c.StartedAt(),
		"StartingAt": c.StartingAt(), "ActiveAt": c.ActiveAt(), "StoppingAt": c.StoppingAt(),
		"StoppedAt": c.StoppedAt(), "ArchivedAt": c.ArchivedAt(),
	}
}

// runCampaignLifecycle takes a new campaign through every phase it can
// pass, as the handlers and the engine would.
func runCampaignLifecycle(t *testing.T) *Campaign {
	t.Helper()
	c, err := NewCampaign("c1", "acc1", CampaignSpec{Name: "Spring", ManifestID: "m1", DeviceFilter: "f",
		ApprovalRequired: true, When: ptr(at(60)), AutostopSuccessPercent: ptr(95.5)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { return c.Edit(CampaignEdit{Description: ptr("first wave")}, at(1)) },
		func() error { return c.RequestStart(at(2)) },
		func() error { return c.Approve(at(3)) },
		func() error { return c.BeginTimedStart(at(60)) },
		func() error { return c.AllocateQuota(at(61)) },
		func() error { return c.CheckManifest(at(-1000), at(62)) },
		func() error {
			return c.RecordBatch(CampaignBatch{Batch: 1, Enrolled: 5, Skipped: map[SkipReason]int{SkipDeviceClassMismatch: 2}, Cursor: "p2"}, at(63))
		},
		func() error { return c.RecordBatch(CampaignBatch{Batch: 2, Enrolled: 1, Last: true}, at(64)) },
		func() error { return c.Publish(at(65)) },
		func() error { return c.Deploy(at(66)) },
		func() error { return c.Edit(CampaignEdit{Name: ptr("Spring, wave 1")}, at(67)) },
		func() error { return c.RequestStop(StateExpired, at(68)) },
		func() error { return c.CompleteStop(StateExpired, at(69)) },
		func() error { return c.Archive(at(70)) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	return c
}

func TestCampaignGettersAfterALifecycle(t *testing.T) {
	c := runCampaignLifecycle(t)
	want := map[string]any{
		"ID": CampaignID("c1"), "AccountID": AccountID("acc1"), "Name": "Spring, wave 1", "Description": "first wave",
		"ManifestID": ManifestID("m1"), "DeviceFilter": "f", "Strategy": StrategyOneShot,
		"ApprovalRequired": true, "Autostop": true, "AutostopSuccessPercent": 95.5, "When": at(60), "HasWhen": true,
		"Phase": PhaseArchived, "State": StateExpired, "StopReason": StateExpired, "Status": CampaignCancelled,
		"ManifestTimestamp": at(-1000), "Batches": 2, "Enrolled": 6, "Skipped": 2,
		"SkippedByReason": map[SkipReason]int{SkipDeviceClassMismatch: 2}, "Cursor": "",
		"CreatedAt": t0, "UpdatedAt": at(70), "StartedAt": at(2), "StartingAt": at(60), "ActiveAt": at(66),
		"StoppingAt": at(68), "StoppedAt": at(69), "ArchivedAt": at(70),
	}
	if diff := cmp.Diff(want, campaignGetters(c)); diff != "" {
		t.Errorf("getters (-want +got):\n%s", diff)
	}
}

func TestCampaignRoundTripsThroughTheStore(t *testing.T) {
	c := runCampaignLifecycle(t)
	stored := roundTrip(t, c.Changes())
	loaded, err := LoadCampaign(stored)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(campaignGetters(c), campaignGetters(loaded)); diff != "" {
		t.Errorf("getters after loading the stored events (-recorded +loaded):\n%s", diff)
	}
	if diff := cmp.Diff(c.Changes(), stored); diff != "" {
		t.Errorf("stored events differ (-recorded +stored):\n%s", diff)
	}
	if rev, exists := loaded.Revision(); rev != uint64(len(stored)-1) || !exists {
		t.Errorf("Revision() = %d, %v; want %d, true", rev, exists, len(stored)-1)
	}
	if _, ok := loaded.When(); !ok {
		t.Error("When() lost the start time in the store")
	}
}
