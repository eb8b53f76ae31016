package domain

import (
	"fmt"
	"time"
)

// Campaign rules, continued (rollouts; the policy is rollout_policy.go):
//
//  16. A campaign may carry a rollout policy, set and edited in draft like
//     every field but name and description; without one it rolls out in
//     one wave, unpaced, as before.
//  17. The devices enrolled are split into waves (RolloutPolicy.WaveSizes).
//     The first wave starts when the campaign is active; each device is
//     started in the wave current when it is sent. A wave succeeds when
//     its deployed devices reach its success percent of its size; the
//     next starts once the previous succeeded and its soak time passed.
//     A wave that ends (every device started and none open) below its
//     threshold pauses the campaign; resuming it lets the next wave start.
//  18. Devices start at most at the policy's rate (Pace), counted from
//     the moment the rate, the wave or the resume began.
//  19. Abort rules are checked in order while the campaign is active and
//     not paused; the first that matches stops the campaign as
//     autostopped, with the rule's explanation as its reason, or pauses
//     it. A rule that paused a campaign is disarmed once a user resumes
//     it: for the rest of the campaign, or of the wave for a wave rule.
//  20. A device whose update failed or timed out is sent again when the
//     retry policy says so, up to its attempts (the Device's rule).
//  21. A user pauses a starting or active campaign and resumes a paused
//     one. A paused campaign keeps its phase and legacy state, as the
//     clients know them; the engine sends nothing and times nothing out
//     for it. Pausing a paused campaign records nothing; resuming one that
//     is not paused is refused. A stop stops a paused campaign too.

// PauseCause says who paused a campaign.
type PauseCause string

// The causes of a pause.
const (
	PausedByUser PauseCause = "user"
	PausedByRule PauseCause = "abort_rule"
	PausedByWave PauseCause = "wave_threshold"
)

// rollout is a campaign's progress through its policy.
type rollout struct {
	wave        int       // the current wave, 1-based; 0 before the first
	waveSize    int       // its size as recorded when it started
	succeeded   bool      // the current wave reached its threshold
	succeededAt time.Time // when it did (the soak counts from then)
	paused      bool
	pause       CampaignPaused // the latest pause
	resumedAt   time.Time      // the latest resume
	disarmed    map[int]int    // abort rule (1-based) → the wave it is disarmed for; 0: the whole campaign
	autostop    string         // why an abort rule stopped the campaign
}

// Rollout returns the campaign's policy, its defaults filled in.
func (c *Campaign) Rollout() RolloutPolicy { return c.settings.rollout.Normalized() }

// Paused reports whether the campaign is paused, and the pause.
func (c *Campaign) Paused() (CampaignPaused, bool) { return c.ro.pause, c.ro.paused }

// ResumedAt is when a user last resumed the campaign; zero if never. The
// engine counts device silence from it at the earliest, so that no device
// times out because of a pause.
func (c *Campaign) ResumedAt() time.Time { return c.ro.resumedAt }

// Wave returns the current wave (1-based; 0 before the first) and its size.
func (c *Campaign) Wave() (wave, size int) { return c.ro.wave, c.ro.waveSize }

// WaveSizes splits the enrolled devices into the policy's waves (rule 17).
func (c *Campaign) WaveSizes() []int { return c.settings.rollout.WaveSizes(c.enrolled) }

// AutostopDetail is why an abort rule stopped the campaign; "" otherwise.
func (c *Campaign) AutostopDetail() string { return c.ro.autostop }

// Pause pauses a starting or active campaign for a user (rule 21).
func (c *Campaign) Pause(reason string, now time.Time) error {
	const op = "campaign.Pause"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	if err := textProblem("reason", reason, 2000, freeText); err != nil {
		return wrap(op, err)
	}
	if c.phase != PhaseStarting && c.phase != PhaseActive {
		return wrap(op, c.refuse("paused"))
	}
	if c.ro.paused {
		return nil
	}
	if reason == "" {
		reason = "paused by a user"
	}
	return wrap(op, c.record(CampaignPaused{Cause: PausedByUser, Reason: reason, Wave: c.ro.wave, At: now}))
}

// Resume resumes a paused campaign (rules 17, 19, 21).
func (c *Campaign) Resume(now time.Time) error {
	const op = "campaign.Resume"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	if !c.ro.paused || (c.phase != PhaseStarting && c.phase != PhaseActive) {
		return wrap(op, c.refuse("resumed"))
	}
	return wrap(op, c.record(CampaignResumed{At: now}))
}

// WaveTally is the current wave's devices: how many started, how many are
// still open (in flight, or waiting for a retry), and their outcomes.
type WaveTally struct {
	Tally
	Started  int
	Open     int
	Deployed int
}

// AdvanceWaves records where the current wave's numbers lead (rule 17):
// the first wave's start, a wave's success, the next wave's start after
// the soak, or a pause when a wave ended below its threshold. It returns
// when to look again for a soak still running; zero otherwise. Pending is
// how many devices of the campaign still wait to be started.
func (c *Campaign) AdvanceWaves(t WaveTally, pending int, now time.Time) (time.Time, error) {
	const op = "campaign.AdvanceWaves"
	if err := c.live(); err != nil {
		return time.Time{}, wrap(op, err)
	}
	if c.phase != PhaseActive || c.ro.paused {
		return time.Time{}, nil
	}
	sizes := c.WaveSizes()
	if c.ro.wave == 0 {
		return time.Time{}, wrap(op, c.record(CampaignWaveStarted{Wave: 1, Size: sizes[0], At: now}))
	}
	policy := c.settings.rollout.wave(c.ro.wave)
	ended := t.Open == 0 && (t.Started >= c.ro.waveSize || pending == 0)
	switch {
	case !c.ro.succeeded && float64(t.Deployed)*100 >= *policy.SuccessPercent*float64(c.ro.waveSize):
		return time.Time{}, wrap(op, c.record(CampaignWaveSucceeded{Wave: c.ro.wave, At: now}))
	case !c.ro.succeeded && ended:
		reason := fmt.Sprintf("wave %d ended with %d of %d devices deployed, below its success threshold of %g%%",
			c.ro.wave, t.Deployed, c.ro.waveSize, *policy.SuccessPercent)
		return time.Time{}, wrap(op, c.record(CampaignPaused{Cause: PausedByWave, Reason: reason, Wave: c.ro.wave, At: now}))
	case !c.ro.succeeded || c.ro.wave >= len(sizes):
		return time.Time{}, nil
	}
	if due := c.ro.succeededAt.Add(time.Duration(policy.SoakSeconds) * time.Second); due.After(now) {
		return due, nil
	}
	return time.Time{}, wrap(op, c.record(CampaignWaveStarted{Wave: c.ro.wave + 1, Size: sizes[c.ro.wave], At: now}))
}

// CheckAbort applies the abort rules to the campaign's and the current
// wave's tallies (rule 19).
func (c *Campaign) CheckAbort(campaign, wave Tally, now time.Time) error {
	const op = "campaign.CheckAbort"
	if err := c.live(); err != nil {
		return wrap(op, err)
	}
	if c.phase != PhaseActive || c.ro.paused {
		return nil
	}
	for i, r := range c.Rollout().Abort {
		t := campaign
		if r.Scope == ScopeWave {
			t = wave
		}
		if c.disarmed(i+1, r) || !r.matches(t) {
			continue
		}
		reason := r.explain(t, c.ro.wave)
		if r.Action == ActionPause {
			return wrap(op, c.record(CampaignPaused{Cause: PausedByRule, Reason: reason, Rule: i + 1, Wave: c.ro.wave, At: now}))
		}
		return wrap(op, c.record(CampaignStopRequested{Reason: StateAutoStopped, Detail: reason, At: now}))
	}
	return nil
}

// disarmed reports whether a user's resume disarmed rule n (rule 19).
func (c *Campaign) disarmed(n int, r AbortRule) bool {
	wave, ok := c.ro.disarmed[n]
	return ok && (r.Scope != ScopeWave || wave == c.ro.wave)
}

// applyRollout applies the events of rules 17–21.
func (c *Campaign) applyRollout(e Event) error {
	switch e := e.(type) {
	case CampaignWaveStarted:
		c.ro.wave, c.ro.waveSize, c.ro.succeeded, c.ro.succeededAt, c.updatedAt = e.Wave, e.Size, false, time.Time{}, e.At
	case CampaignWaveSucceeded:
		c.ro.succeeded, c.ro.succeededAt, c.updatedAt = true, e.At, e.At
	case CampaignPaused:
		c.ro.paused, c.ro.pause, c.updatedAt = true, e, e.At
	case CampaignResumed:
		c.ro.paused, c.ro.resumedAt, c.updatedAt = false, e.At, e.At
		switch c.ro.pause.Cause {
		case PausedByWave:
			c.ro.succeeded, c.ro.succeededAt = true, e.At
		case PausedByRule:
			if c.ro.disarmed == nil {
				c.ro.disarmed = map[int]int{}
			}
			c.ro.disarmed[c.ro.pause.Rule] = c.ro.pause.Wave
		case PausedByUser:
		}
	default:
		return unknownEvent("campaign", e)
	}
	return nil
}
