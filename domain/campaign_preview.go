package domain

import "time"

// Campaign rules, continued (the dry run):
//
//  P1. A draft campaign can be previewed: its matching devices are judged
//     one by one by EnrolmentVerdict, as its start will judge them, and
//     counted by verdict; the enrolled devices are split into the waves
//     the start will make (RolloutPolicy.WaveSizes) and the time to start
//     them all is estimated (RolloutPolicy.EstimateDuration). A preview
//     records nothing. A campaign in another phase is refused: its start
//     has judged its devices already, and the counters say how.

// maxPreviewExamples bounds the device ids a preview keeps of each kind:
// a page of examples, never a fleet's worth of ids.
const maxPreviewExamples = 20

// CampaignPreview is a dry run of a campaign's start: what it would do with
// its devices, counted, with the first few devices of each kind as
// examples, and the waves and time it would take.
type CampaignPreview struct {
	CampaignID CampaignID
	// Targeted counts the devices the start would enrol.
	Targeted int
	// Skipped counts the devices it would skip, by reason.
	Skipped map[SkipReason]int
	// Queued and Superseded count the devices of other active campaigns
	// that the conflict policy queues or takes over: among Targeted.
	Queued     int
	Superseded int
	// Waves are the waves the targeted devices would be split into.
	Waves []PlannedWave
	// EstimatedDuration is the time to start every targeted device.
	EstimatedDuration time.Duration
	// TargetedExamples and SkippedExamples are the first devices of each
	// kind, in the order they were judged.
	TargetedExamples []DeviceID
	SkippedExamples  []SkippedDevice
	ComputedAt       time.Time

	manifest *Manifest
	policy   RolloutPolicy
}

// PlannedWave is one wave of a preview: its number from 1, its size, and
// the policy's settings for it.
type PlannedWave struct {
	Wave           int
	Size           int
	SuccessPercent float64
	SoakSeconds    int
}

// SkippedDevice is a device a preview would skip, and why.
type SkippedDevice struct {
	DeviceID DeviceID
	Reason   SkipReason
}

// BeginPreview begins a dry run of the campaign's start delivering m, at
// now (rule P1); Judge then takes each matching device and Plan ends it.
func (c *Campaign) BeginPreview(m *Manifest, now time.Time) (*CampaignPreview, error) {
	if err := c.live(); err != nil {
		return nil, err
	}
	if c.phase != PhaseDraft {
		return nil, c.refuse("preview")
	}
	return &CampaignPreview{CampaignID: c.id, Skipped: map[SkipReason]int{}, ComputedAt: now,
		manifest: m, policy: c.Rollout()}, nil
}

// Judge counts one matching device by the verdict the start would give it.
func (p *CampaignPreview) Judge(id DeviceID, facts DeviceFacts) {
	v := EnrolmentVerdict(facts, p.manifest, p.policy.Conflict)
	switch v.Action {
	case VerdictSkip:
		p.Skipped[v.Reason]++
		if len(p.SkippedExamples) < maxPreviewExamples {
			p.SkippedExamples = append(p.SkippedExamples, SkippedDevice{DeviceID: id, Reason: v.Reason})
		}
		return
	case VerdictQueue:
		p.Queued++
	case VerdictSupersede:
		p.Superseded++
	case VerdictEnrol:
	}
	// Queued and superseded devices are enrolled too, as the start
	// counts them (in the waves as well).
	p.Targeted++
	if len(p.TargetedExamples) < maxPreviewExamples {
		p.TargetedExamples = append(p.TargetedExamples, id)
	}
}

// Plan splits the targeted devices into the policy's waves and estimates
// the time to start them, pages of batchSize devices batchDelay apart
// where no rate is set (SCHEDULER_BATCH_SIZE and SCHEDULER_DELAY).
func (p *CampaignPreview) Plan(batchSize int, batchDelay time.Duration) {
	sizes := p.policy.WaveSizes(p.Targeted)
	p.Waves = make([]PlannedWave, len(sizes))
	for i, size := range sizes {
		w := p.policy.wave(i + 1)
		p.Waves[i] = PlannedWave{Wave: i + 1, Size: size, SuccessPercent: *w.SuccessPercent, SoakSeconds: w.SoakSeconds}
	}
	p.EstimatedDuration = p.policy.EstimateDuration(p.Targeted, batchSize, batchDelay)
}
