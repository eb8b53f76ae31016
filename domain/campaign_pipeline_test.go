package domain

import "testing"

func TestCampaignQuotaAndManifestCheck(t *testing.T) {
	starting := []Event{campaignCreated(), CampaignStartRequested{Phase: PhaseStarting, At: at(1)}}
	allocated := with(starting, CampaignQuotaAllocated{At: at(2)})
	now := at(10)
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "a starting campaign allocates its quota", given: starting,
			when: func(c *Campaign) error { return c.AllocateQuota(now) }, then: []Event{CampaignQuotaAllocated{At: now}}},
		{name: "quota is allocated once", given: allocated, when: func(c *Campaign) error { return c.AllocateQuota(now) },
			err: InvalidTransitionError{Object: "campaign", From: "starting/allocatedquota", To: "allocatedquota"}},
		{name: "a failed quota allocation stops the campaign", given: starting,
			when: func(c *Campaign) error { return c.FailQuotaAllocation(now) },
			then: []Event{CampaignStopped{State: StateQuotaAllocationFailed, At: now}}},
		{name: "the manifest check copies the manifest's timestamp", given: allocated,
			when: func(c *Campaign) error { return c.CheckManifest(at(-600), now) },
			then: []Event{CampaignManifestChecked{ManifestTimestamp: at(-600), At: now}}},
		{name: "the manifest is checked after the quota is allocated", given: starting,
			when: func(c *Campaign) error { return c.CheckManifest(at(-600), now) },
			err:  InvalidTransitionError{Object: "campaign", From: "starting/allocatingquota", To: "checkedmanifest"}},
	})
}

func TestCampaignBatches(t *testing.T) {
	starting := []Event{campaignCreated(), CampaignStartRequested{Phase: PhaseStarting, At: at(1)}}
	allocated := with(starting, CampaignQuotaAllocated{At: at(2)})
	checked := with(allocated, CampaignManifestChecked{ManifestTimestamp: at(-600), At: at(3)})
	copying := with(checked, CampaignBatchProcessed{Batch: 1, Enrolled: 2, Cursor: "p2", At: at(4)})
	listed := with(copying, CampaignBatchProcessed{Batch: 2, Enrolled: 1, Last: true, At: at(5)})
	now := at(10)
	batch := func(b CampaignBatch) func(*Campaign) error {
		return func(c *Campaign) error { return c.RecordBatch(b, now) }
	}
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "the first batch follows the manifest check", given: checked,
			when: batch(CampaignBatch{Batch: 1, Enrolled: 3, Skipped: map[SkipReason]int{SkipAlreadyUpdated: 2, SkipDeregistered: 0}, Cursor: "p2"}),
			then: []Event{CampaignBatchProcessed{Batch: 1, Enrolled: 3, Skipped: map[SkipReason]int{SkipAlreadyUpdated: 2}, Cursor: "p2", At: now}}},
		{name: "the next batch follows the last one recorded", given: copying,
			when: batch(CampaignBatch{Batch: 2, Enrolled: 1, Last: true}),
			then: []Event{CampaignBatchProcessed{Batch: 2, Enrolled: 1, Last: true, At: now}}},
		{name: "a redelivered batch records nothing", given: copying, when: batch(CampaignBatch{Batch: 1, Enrolled: 2, Cursor: "p2"})},
		{name: "a redelivered last batch records nothing", given: listed, when: batch(CampaignBatch{Batch: 2, Enrolled: 1, Last: true})},
		{name: "a batch after a gap is a conflict", given: copying, when: batch(CampaignBatch{Batch: 3}), err: ConflictError{}},
		{name: "no batch follows the last one", given: listed, when: batch(CampaignBatch{Batch: 3}),
			err: InvalidTransitionError{Object: "campaign", From: "starting/devicecheck", To: "devicecopy"}},
		{name: "batches start after the manifest check", given: allocated, when: batch(CampaignBatch{Batch: 1}),
			err: InvalidTransitionError{Object: "campaign", From: "starting/allocatedquota", To: "devicecopy"}},
		{name: "batch numbers start at 1", given: checked, when: batch(CampaignBatch{Batch: 0}), err: InvalidError{Field: "batch"}},
		{name: "a batch enrols no negative number of devices", given: checked, when: batch(CampaignBatch{Batch: 1, Enrolled: -1}), err: InvalidError{Field: "enrolled"}},
		{name: "a batch skips for known reasons only", given: checked,
			when: batch(CampaignBatch{Batch: 1, Skipped: map[SkipReason]int{"bored": 1}}), err: InvalidError{Field: "skipped"}},
		{name: "a batch skips no negative number of devices", given: checked,
			when: batch(CampaignBatch{Batch: 1, Skipped: map[SkipReason]int{SkipDeregistered: -1}}), err: InvalidError{Field: "skipped"}},
	})
}

func TestCampaignPublishDeployFinish(t *testing.T) {
	starting := []Event{campaignCreated(), CampaignStartRequested{Phase: PhaseStarting, At: at(1)}}
	copying := with(starting, CampaignQuotaAllocated{At: at(2)}, CampaignManifestChecked{At: at(3)},
		CampaignBatchProcessed{Batch: 1, Enrolled: 2, Cursor: "p2", At: at(4)})
	listed := with(copying, CampaignBatchProcessed{Batch: 2, Enrolled: 1, Last: true, At: at(5)})
	publishing := with(listed, CampaignPublishing{At: at(6)})
	active := with(publishing, CampaignDeploying{At: at(7)})
	now := at(10)
	finish := func(s State) func(*Campaign) error { return func(c *Campaign) error { return c.Finish(s, now) } }
	runScenarios(t, LoadCampaign, []scenario[*Campaign]{
		{name: "publishing follows the last batch", given: listed,
			when: func(c *Campaign) error { return c.Publish(now) }, then: []Event{CampaignPublishing{At: now}}},
		{name: "publishing waits for the last batch", given: copying, when: func(c *Campaign) error { return c.Publish(now) },
			err: InvalidTransitionError{Object: "campaign", From: "starting/devicecopy", To: "publishing"}},
		{name: "deploying follows publishing", given: publishing,
			when: func(c *Campaign) error { return c.Deploy(now) }, then: []Event{CampaignDeploying{At: now}}},
		{name: "deploying waits for publishing", given: listed, when: func(c *Campaign) error { return c.Deploy(now) },
			err: InvalidTransitionError{Object: "campaign", From: "starting/devicecheck", To: "deploying"}},
		{name: "an active campaign finishes deployed", given: active, when: finish(StateDeployed),
			then: []Event{CampaignStopped{State: StateDeployed, At: now}}},
		{name: "an active campaign finishes autostopped", given: active, when: finish(StateAutoStopped),
			then: []Event{CampaignStopped{State: StateAutoStopped, At: now}}},
		{name: "a campaign finishes only as deployed or autostopped", given: active, when: finish(StateUserStopped),
			err: InvalidError{Field: "state"}},
		{name: "a publishing campaign does not finish", given: publishing, when: finish(StateDeployed),
			err: InvalidTransitionError{Object: "campaign", From: "starting/publishing", To: "deployed"}},
	})
}

func TestCampaignBatchTotals(t *testing.T) {
	c, err := LoadCampaign([]Event{campaignCreated(), CampaignStartRequested{Phase: PhaseStarting, At: at(1)},
		CampaignQuotaAllocated{At: at(2)}, CampaignManifestChecked{At: at(3)}})
	if err != nil {
		t.Fatal(err)
	}
	batches := []CampaignBatch{
		{Batch: 1, Enrolled: 3, Skipped: map[SkipReason]int{SkipAlreadyUpdated: 2}, Cursor: "p2"},
		{Batch: 2, Enrolled: 4, Skipped: map[SkipReason]int{SkipAlreadyUpdated: 1, SkipInOtherCampaign: 5}, Cursor: "p3"},
		{Batch: 3, Enrolled: 0, Cursor: "", Last: true},
	}
	for _, b := range batches {
		if err := c.RecordBatch(b, at(4)); err != nil {
			t.Fatalf("batch %d: %v", b.Batch, err)
		}
	}
	got := []any{c.Batches(), c.Enrolled(), c.Skipped(), c.SkippedByReason()[SkipAlreadyUpdated], c.SkippedByReason()[SkipInOtherCampaign], c.Cursor(), c.State()}
	want := []any{3, 7, 8, 3, 5, "", StateDeviceCheck}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("totals = %v, want %v", got, want)
			break
		}
	}
}
