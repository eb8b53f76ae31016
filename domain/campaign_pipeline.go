package domain

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// CampaignBatch summarizes one page of the devices matching a campaign's
// filter, as the engine processed it (rule 5).
type CampaignBatch struct {
	// Batch numbers the page, from 1.
	Batch int
	// Enrolled counts the devices of the page enrolled in the campaign.
	Enrolled int
	// Skipped counts the devices of the page not enrolled, by reason.
	Skipped map[SkipReason]int
	// Cursor is where the next page starts, so a restarted engine resumes.
	Cursor string
	// Last is true for the final page of the filter.
	Last bool
}

// AllocateQuota records that the account's campaign quota was reserved
// (rule 4).
func (c *Campaign) AllocateQuota(now time.Time) error {
	const op = "campaign.AllocateQuota"
	if err := c.step(string(StateAllocatedQuota), StateAllocatingQuota); err != nil {
		return wrap(op, err)
	}
	return wrap(op, c.record(CampaignQuotaAllocated{At: now}))
}

// FailQuotaAllocation stops the campaign as quotaallocationfailed: the
// account had no campaign slot left (rule 4).
func (c *Campaign) FailQuotaAllocation(now time.Time) error {
	const op = "campaign.FailQuotaAllocation"
	if err := c.step(string(StateQuotaAllocationFailed), StateAllocatingQuota); err != nil {
		return wrap(op, err)
	}
	return wrap(op, c.record(CampaignStopped{State: StateQuotaAllocationFailed, At: now}))
}

// CheckManifest records that the campaign's manifest was found valid and
// copies its timestamp to the campaign (rule 4).
func (c *Campaign) CheckManifest(manifestTimestamp, now time.Time) error {
	const op = "campaign.CheckManifest"
	if err := c.step(string(StateCheckedManifest), StateAllocatedQuota); err != nil {
		return wrap(op, err)
	}
	return wrap(op, c.record(CampaignManifestChecked{ManifestTimestamp: manifestTimestamp, At: now}))
}

// RecordBatch records the summary of one page of devices (rule 5).
func (c *Campaign) RecordBatch(b CampaignBatch, now time.Time) error {
	const op = "campaign.RecordBatch"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	if err := b.validate(); err != nil {
		return wrap(op, err)
	}
	to := string(StateDeviceCopy)
	if err := c.step(to, StateCheckedManifest, StateDeviceFetch, StateDeviceCopy, StateDeviceCheck); err != nil {
		return wrap(op, err)
	}
	switch {
	case b.Batch <= c.batches:
		return nil
	case c.state == StateDeviceCheck:
		return wrap(op, c.refuse(to))
	case b.Batch > c.batches+1:
		return wrap(op, ConflictError{Reason: fmt.Sprintf("batch %d arrived before batch %d", b.Batch, c.batches+1)})
	}
	return wrap(op, c.record(CampaignBatchProcessed{Batch: b.Batch, Enrolled: b.Enrolled,
		Skipped: b.skipped(), Cursor: b.Cursor, Last: b.Last, At: now}))
}

// validate checks that a batch's number and counts make sense.
func (b CampaignBatch) validate() error {
	if b.Batch < 1 {
		return InvalidError{Field: "batch", Reason: fmt.Sprintf("%d is not a batch number (they start at 1)", b.Batch)}
	}
	if b.Enrolled < 0 {
		return InvalidError{Field: "enrolled", Reason: fmt.Sprintf("%d is negative", b.Enrolled)}
	}
	for reason, n := range b.Skipped {
		if !slices.Contains(SkipReasons, reason) {
			return InvalidError{Field: "skipped", Reason: fmt.Sprintf("%q is not a skip reason", reason)}
		}
		if n < 0 {
			return InvalidError{Field: "skipped", Reason: fmt.Sprintf("count %d for %s is negative", n, reason)}
		}
	}
	return nil
}

// skipped is the batch's skip counts without zeros, nil when empty, so the
// recorded event reads back from JSON exactly as it was recorded.
func (b CampaignBatch) skipped() map[SkipReason]int {
	out := maps.Clone(b.Skipped)
	maps.DeleteFunc(out, func(_ SkipReason, n int) bool { return n == 0 })
	if len(out) == 0 {
		return nil
	}
	return out
}

// Publish records that every page was processed and the manifests are
// being published (rule 4).
func (c *Campaign) Publish(now time.Time) error {
	const op = "campaign.Publish"
	if err := c.step(string(StatePublishing), StateDeviceCheck); err != nil {
		return wrap(op, err)
	}
	return wrap(op, c.record(CampaignPublishing{At: now}))
}

// Deploy makes the campaign active: manifests are being delivered (rule 4).
func (c *Campaign) Deploy(now time.Time) error {
	const op = "campaign.Deploy"
	if err := c.step(string(StateDeploying), StatePublishing); err != nil {
		return wrap(op, err)
	}
	return wrap(op, c.record(CampaignDeploying{At: now}))
}

// Finish ends an active campaign as deployed or autostopped (rule 6).
func (c *Campaign) Finish(outcome State, now time.Time) error {
	const op = "campaign.Finish"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	if outcome != StateDeployed && outcome != StateAutoStopped {
		return wrap(op, InvalidError{Field: "state", Reason: fmt.Sprintf("a campaign finishes as deployed or autostopped, not %q", outcome)})
	}
	if c.phase != PhaseActive {
		return wrap(op, c.refuse(string(outcome)))
	}
	return wrap(op, c.record(CampaignStopped{State: outcome, At: now}))
}

// step checks that a live campaign is in phase starting at one of the
// states a pipeline step leading to `to` starts from (rule 4).
func (c *Campaign) step(to string, from ...State) error {
	if err := c.live(); err != nil {
		return err
	}
	if c.phase != PhaseStarting || !slices.Contains(from, c.state) {
		return c.refuse(to)
	}
	return nil
}
