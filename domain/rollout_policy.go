package domain

import (
	"fmt"
	"reflect"
	"time"
)

// RolloutPolicy is how a campaign rolls out (rules 16–21 of Campaign, in
// campaign_rollout.go): in waves, at a rate, stopped or paused by failure
// thresholds, retrying failed devices, and what to do with a device that
// another campaign holds. Every part is optional; a campaign without one
// rolls out as it always did: one wave, as fast as SCHEDULER_BATCH_SIZE,
// SCHEDULER_DELAY and SCHEDULER_MAX_IN_FLIGHT allow, no abort rule but
// autostop, no retry, devices of other active campaigns skipped.
//
// The same struct is the API's `rollout_policy` object and the events'
// field, so what a user sends, what is recorded and what a get shows are
// one shape. Recorded policies are normalized: the defaults filled in.
type RolloutPolicy struct {
	// Waves split the targeted devices; a wave starts when the previous
	// one reached its success threshold and soaked. The last wave takes
	// every device the others left.
	Waves []Wave `json:"waves,omitempty"`
	// Rate paces the devices started (sent their manifest) per minute.
	Rate *RatePolicy `json:"rate,omitempty"`
	// Abort rules stop or pause the campaign when too many devices fail,
	// checked in order; the first that matches acts.
	Abort []AbortRule `json:"abort,omitempty"`
	// Retry sends the update again to devices that failed or timed out.
	Retry *RetryPolicy `json:"retry,omitempty"`
	// Conflict says what to do with a device that is in another active
	// campaign: skip it (the default), queue it until it is free, or
	// supersede the other campaign for it.
	Conflict ConflictPolicy `json:"conflict,omitempty"`
}

// Wave is one step of a rollout. Exactly one of Percent and Count sizes it.
type Wave struct {
	// Percent of the targeted devices, 0 < Percent <= 100.
	Percent float64 `json:"percent,omitempty"`
	// Count of devices, > 0.
	Count int `json:"count,omitempty"`
	// SuccessPercent is the share of the wave's devices that must be
	// deployed before the next wave starts; default 95. A wave that ends
	// below it pauses the campaign for an operator to look.
	SuccessPercent *float64 `json:"success_percent,omitempty"`
	// SoakSeconds is how long the next wave waits after this one reached
	// its threshold.
	SoakSeconds int `json:"soak_seconds,omitempty"`
}

// RatePolicy paces a rollout, as AWS IoT Jobs' rollout config: a constant
// rate, or an exponential one that grows by Factor each time Every more
// devices were notified (or succeeded), never above PerMinute when set.
type RatePolicy struct {
	// PerMinute is the constant rate, or the exponential rate's ceiling.
	PerMinute float64 `json:"per_minute,omitempty"`
	// Exponential, when set, makes the rate grow from its base.
	Exponential *ExponentialRate `json:"exponential,omitempty"`
}

// ExponentialRate is a rate that starts at BasePerMinute and is multiplied
// by Factor each time Every more devices were counted by IncreaseOn.
type ExponentialRate struct {
	BasePerMinute float64    `json:"base_per_minute"`
	Factor        float64    `json:"factor"`
	IncreaseOn    RateGrowth `json:"increase_on"`
	Every         int        `json:"every"`
}

// RateGrowth is what grows an exponential rate.
type RateGrowth string

// The counts that grow an exponential rate.
const (
	GrowOnNotified  RateGrowth = "notified"
	GrowOnSucceeded RateGrowth = "succeeded"
)

// AbortRule stops or pauses a campaign when the share of finished devices
// that failed the rule's way reaches a threshold, once at least
// MinFinished devices finished (in the current wave, or in the campaign).
type AbortRule struct {
	Failure     FailureKind `json:"failure"`
	Percent     float64     `json:"threshold_percent"`
	MinFinished int         `json:"min_finished"`
	Scope       RuleScope   `json:"scope"`
	Action      RuleAction  `json:"action"`
}

// FailureKind is which outcomes an abort or retry rule counts.
type FailureKind string

// The failure kinds: failed (with a result code), timed out, or either.
const (
	FailureFailed   FailureKind = "failed"
	FailureTimedOut FailureKind = "timed_out"
	FailureAny      FailureKind = "any"
)

// RuleScope is what an abort rule counts: the current wave or the campaign.
type RuleScope string

// The scopes of an abort rule.
const (
	ScopeCampaign RuleScope = "campaign"
	ScopeWave     RuleScope = "wave"
)

// RuleAction is what an abort rule does: stop the campaign as
// autostopped, or pause it for an operator.
type RuleAction string

// The actions of an abort rule.
const (
	ActionStop  RuleAction = "stop"
	ActionPause RuleAction = "pause"
)

// RetryPolicy retries devices whose update failed or timed out: up to
// MaxAttempts attempts in all, the n-th retry BackoffSeconds × Factor^(n-1)
// after the failure. Codes, when given, limit the retried failures to
// those result codes (as decimal text) or failure codes.
type RetryPolicy struct {
	On             []FailureKind `json:"on,omitempty"`
	Codes          []string      `json:"codes,omitempty"`
	MaxAttempts    int           `json:"max_attempts"`
	BackoffSeconds int           `json:"backoff_seconds"`
	Factor         float64       `json:"backoff_factor"`
}

// ConflictPolicy is what a campaign does with a device in another active
// campaign.
type ConflictPolicy string

// The conflict policies.
const (
	ConflictSkip      ConflictPolicy = "skip"
	ConflictQueue     ConflictPolicy = "queue"
	ConflictSupersede ConflictPolicy = "supersede"
)

// The policy's defaults and bounds.
const (
	DefaultWaveSuccessPercent = 95.0
	defaultRetryBackoff       = 60
	defaultRetryFactor        = 2.0
	maxWaves                  = 100
	maxAbortRules             = 20
	maxRetryAttempts          = 10
	maxSoak                   = 7 * 24 * time.Hour
	maxRatePerMinute          = 1_000_000
)

// Normalized returns the policy with its defaults filled in: what is
// recorded and shown.
func (p RolloutPolicy) Normalized() RolloutPolicy {
	out := p
	out.Waves = make([]Wave, len(p.Waves))
	for i, w := range p.Waves {
		if w.SuccessPercent == nil {
			def := DefaultWaveSuccessPercent
			w.SuccessPercent = &def
		}
		out.Waves[i] = w
	}
	if len(out.Waves) == 0 {
		out.Waves = nil
	}
	out.Abort = append([]AbortRule(nil), p.Abort...)
	for i := range out.Abort {
		out.Abort[i] = out.Abort[i].normalized()
	}
	if p.Retry != nil {
		r := *p.Retry
		if len(r.On) == 0 {
			r.On = []FailureKind{FailureFailed, FailureTimedOut}
		}
		if r.BackoffSeconds == 0 {
			r.BackoffSeconds = defaultRetryBackoff
		}
		if r.Factor == 0 {
			r.Factor = defaultRetryFactor
		}
		out.Retry = &r
	}
	if out.Conflict == "" {
		out.Conflict = ConflictSkip
	}
	return out
}

func (r AbortRule) normalized() AbortRule {
	if r.Failure == "" {
		r.Failure = FailureAny
	}
	if r.Scope == "" {
		r.Scope = ScopeCampaign
	}
	if r.Action == "" {
		r.Action = ActionStop
	}
	return r
}

// IsZero reports whether the policy asks for nothing beyond the defaults.
func (p RolloutPolicy) IsZero() bool {
	return reflect.DeepEqual(p.Normalized(), RolloutPolicy{}.Normalized())
}

// Equal reports whether two policies mean the same.
func (p RolloutPolicy) Equal(o RolloutPolicy) bool {
	return reflect.DeepEqual(p.Normalized(), o.Normalized())
}

// problems lists every problem of the policy, each naming its field in the
// API's terms (rollout_policy.waves[1].percent).
func (p RolloutPolicy) problems() []error {
	var out []error
	bad := func(field, format string, args ...any) {
		out = append(out, InvalidError{Field: "rollout_policy." + field, Reason: fmt.Sprintf(format, args...)})
	}
	if len(p.Waves) > maxWaves {
		bad("waves", "has %d waves, at most %d are allowed", len(p.Waves), maxWaves)
	}
	for i, w := range p.Waves {
		w.problems(fmt.Sprintf("waves[%d].", i), bad)
	}
	if p.Rate != nil {
		p.Rate.problems(bad)
	}
	if len(p.Abort) > maxAbortRules {
		bad("abort", "has %d rules, at most %d are allowed", len(p.Abort), maxAbortRules)
	}
	for i, r := range p.Abort {
		r.normalized().problems(fmt.Sprintf("abort[%d].", i), bad)
	}
	if p.Retry != nil {
		p.Retry.problems(bad)
	}
	if _, err := parseEnum("conflict policy", string(p.Normalized().Conflict), []ConflictPolicy{ConflictSkip, ConflictQueue, ConflictSupersede}); err != nil {
		bad("conflict", "%v", err)
	}
	return out
}

func (w Wave) problems(at string, bad func(field, format string, args ...any)) {
	switch {
	case (w.Percent != 0) == (w.Count != 0):
		bad(at+"percent", "give exactly one of percent and count")
	case w.Count < 0:
		bad(at+"count", "%d is not a positive count", w.Count)
	case w.Percent < 0 || w.Percent > 100:
		bad(at+"percent", "%v is not between 0 and 100", w.Percent)
	}
	if s := w.SuccessPercent; s != nil && !(*s >= 0 && *s <= 100) {
		bad(at+"success_percent", "%v is not between 0 and 100", *s)
	}
	if w.SoakSeconds < 0 || time.Duration(w.SoakSeconds)*time.Second > maxSoak {
		bad(at+"soak_seconds", "%d is not between 0 and %d", w.SoakSeconds, int(maxSoak.Seconds()))
	}
}

func (r RatePolicy) problems(bad func(field, format string, args ...any)) {
	if !(r.PerMinute >= 0 && r.PerMinute <= maxRatePerMinute) {
		bad("rate.per_minute", "%v is not between 0 and %d", r.PerMinute, maxRatePerMinute)
	}
	e := r.Exponential
	if e == nil {
		if r.PerMinute == 0 {
			bad("rate.per_minute", "a rate needs per_minute, or exponential")
		}
		return
	}
	if !(e.BasePerMinute > 0 && e.BasePerMinute <= maxRatePerMinute) {
		bad("rate.exponential.base_per_minute", "%v is not above 0 and at most %d", e.BasePerMinute, maxRatePerMinute)
	}
	if r.PerMinute > 0 && e.BasePerMinute > r.PerMinute {
		bad("rate.exponential.base_per_minute", "%v is above the ceiling per_minute %v", e.BasePerMinute, r.PerMinute)
	}
	if !(e.Factor > 1 && e.Factor <= 5) {
		bad("rate.exponential.factor", "%v is not above 1 and at most 5", e.Factor)
	}
	if _, err := parseEnum("rate growth", string(e.IncreaseOn), []RateGrowth{GrowOnNotified, GrowOnSucceeded}); err != nil {
		bad("rate.exponential.increase_on", "%v", err)
	}
	if e.Every < 1 {
		bad("rate.exponential.every", "%d is not a positive count of devices", e.Every)
	}
}

func (r AbortRule) problems(at string, bad func(field, format string, args ...any)) {
	if _, err := parseEnum("failure kind", string(r.Failure), []FailureKind{FailureFailed, FailureTimedOut, FailureAny}); err != nil {
		bad(at+"failure", "%v", err)
	}
	if !(r.Percent > 0 && r.Percent <= 100) {
		bad(at+"threshold_percent", "%v is not above 0 and at most 100", r.Percent)
	}
	if r.MinFinished < 0 {
		bad(at+"min_finished", "%d is negative", r.MinFinished)
	}
	if _, err := parseEnum("rule scope", string(r.Scope), []RuleScope{ScopeCampaign, ScopeWave}); err != nil {
		bad(at+"scope", "%v", err)
	}
	if _, err := parseEnum("rule action", string(r.Action), []RuleAction{ActionStop, ActionPause}); err != nil {
		bad(at+"action", "%v", err)
	}
}

func (r RetryPolicy) problems(bad func(field, format string, args ...any)) {
	if r.MaxAttempts < 1 || r.MaxAttempts > maxRetryAttempts {
		bad("retry.max_attempts", "%d is not between 1 and %d", r.MaxAttempts, maxRetryAttempts)
	}
	for i, k := range r.On {
		if _, err := parseEnum("failure kind", string(k), []FailureKind{FailureFailed, FailureTimedOut, FailureAny}); err != nil {
			bad(fmt.Sprintf("retry.on[%d]", i), "%v", err)
		}
	}
	if len(r.Codes) > 50 {
		bad("retry.codes", "has %d codes, at most 50 are allowed", len(r.Codes))
	}
	for i, c := range r.Codes {
		if err := textProblem(fmt.Sprintf("rollout_policy.retry.codes[%d]", i), c, 200, oneLine); err != nil || c == "" {
			bad(fmt.Sprintf("retry.codes[%d]", i), "must be one line of 1–200 characters")
		}
	}
	if r.BackoffSeconds < 0 || r.BackoffSeconds > 86400 {
		bad("retry.backoff_seconds", "%d is not between 0 and 86400", r.BackoffSeconds)
	}
	if r.Factor != 0 && !(r.Factor >= 1 && r.Factor <= 10) {
		bad("retry.backoff_factor", "%v is not between 1 and 10", r.Factor)
	}
}
