package domain

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// WaveSizes splits targeted devices into the policy's waves (rule 17): a
// wave by percent takes that share of all targeted devices, rounded, at
// least one; a wave by count that many; none more than what is left. The
// last wave takes what the others left, so the sizes add up to targeted.
// Without waves the campaign is one wave. Waves left empty are dropped.
func (p RolloutPolicy) WaveSizes(targeted int) []int {
	if len(p.Waves) == 0 {
		return []int{targeted}
	}
	left := targeted
	sizes := make([]int, 0, len(p.Waves))
	for i, w := range p.Waves {
		n := w.Count
		if w.Percent > 0 {
			n = max(1, int(math.Round(w.Percent*float64(targeted)/100)))
		}
		if i == len(p.Waves)-1 {
			n = left
		}
		n = min(n, left)
		if n > 0 {
			sizes = append(sizes, n)
		}
		left -= n
	}
	return sizes
}

// wave returns the policy of the wave numbered n (1-based) for a campaign
// split into sizes: the waves dropped as empty shift no settings, since
// only trailing waves can be empty.
func (p RolloutPolicy) wave(n int) Wave {
	w := Wave{}
	if n >= 1 && n <= len(p.Waves) {
		w = p.Waves[n-1]
	}
	if w.SuccessPercent == nil {
		def := DefaultWaveSuccessPercent
		if len(p.Waves) == 0 {
			def = 0 // a campaign without waves has one, with no threshold to pass
		}
		w.SuccessPercent = &def
	}
	return w
}

// Current is the rate devices may start at once notified devices were
// notified and succeeded succeeded (rule 18); 0 means no limit.
func (r *RatePolicy) Current(notified, succeeded int) float64 {
	if r == nil {
		return 0
	}
	e := r.Exponential
	if e == nil {
		return r.PerMinute
	}
	count := notified
	if e.IncreaseOn == GrowOnSucceeded {
		count = succeeded
	}
	rate := e.BasePerMinute * math.Pow(e.Factor, float64(count/e.Every))
	if r.PerMinute > 0 || math.IsInf(rate, 0) {
		rate = min(rate, max(r.PerMinute, e.BasePerMinute))
	}
	return min(rate, maxRatePerMinute)
}

// Pace is a stretch of a rollout at one rate: from Since, when Base
// devices had started, devices start at PerMinute (rule 18). A new rate, a
// resume or a new wave begins a new pace.
type Pace struct {
	Since     time.Time
	Base      int
	PerMinute float64
}

// Allowed is how many devices may have started by now: one at once, then
// one every 60/PerMinute seconds. A pace without a rate allows any number.
func (p Pace) Allowed(now time.Time) int {
	if p.PerMinute <= 0 {
		return math.MaxInt
	}
	elapsed := max(now.Sub(p.Since), 0)
	return p.Base + 1 + int(p.PerMinute*elapsed.Minutes())
}

// NextAt is when the pace next allows a device after started have: the
// time to look again.
func (p Pace) NextAt(started int) time.Time {
	if p.PerMinute <= 0 || started < p.Base+1 {
		return p.Since
	}
	minutes := float64(started-p.Base) / p.PerMinute
	return p.Since.Add(time.Duration(math.Ceil(minutes * float64(time.Minute))))
}

// Tally is devices by outcome, in a wave or a whole campaign, as the read
// models count them.
type Tally struct {
	// Finished devices have an outcome: deployed, failed or timed out.
	Finished int
	Failed   int
	TimedOut int
}

// counted is how many finished devices failed the rule's way.
func (r AbortRule) counted(t Tally) int {
	switch r.Failure {
	case FailureFailed:
		return t.Failed
	case FailureTimedOut:
		return t.TimedOut
	case FailureAny:
		return t.Failed + t.TimedOut
	}
	return 0
}

// matches reports whether the rule fires on the tally (rule 19): at least
// MinFinished finished (and at least one), and the failures' share of them
// at or above the threshold.
func (r AbortRule) matches(t Tally) bool {
	if t.Finished == 0 || t.Finished < r.MinFinished {
		return false
	}
	return float64(r.counted(t))*100 >= r.Percent*float64(t.Finished)
}

// explain is the autostop reason of a rule that fired, for people.
func (r AbortRule) explain(t Tally, wave int) string {
	where := "the campaign"
	if r.Scope == ScopeWave {
		where = fmt.Sprintf("wave %d", wave)
	}
	what := map[FailureKind]string{FailureFailed: "failed", FailureTimedOut: "timed out", FailureAny: "failed or timed out"}[r.Failure]
	return fmt.Sprintf("%s: %d of %d finished devices %s (%.1f%%), at or above the threshold of %g%% (after %d)",
		where, r.counted(t), t.Finished, what, float64(r.counted(t))*100/float64(t.Finished), r.Percent, r.MinFinished)
}

// Retries reports whether a device whose update ended in state (with a
// result or failure code) after attempts attempts is sent again, and when:
// the n-th retry BackoffSeconds × Factor^(n-1) after ended (rule 20).
func (r *RetryPolicy) Retries(state UpdateState, resultCode int, failureCode string, attempts int, ended time.Time) (time.Time, bool) {
	if r == nil || attempts >= r.MaxAttempts || !r.retried(state, resultCode, failureCode) {
		return time.Time{}, false
	}
	factor := r.Factor
	if factor == 0 {
		factor = defaultRetryFactor
	}
	delay := float64(r.BackoffSeconds) * math.Pow(factor, float64(max(attempts-1, 0)))
	return ended.Add(time.Duration(delay * float64(time.Second))), true
}

// retried reports whether the policy retries this kind of ending.
func (r *RetryPolicy) retried(state UpdateState, resultCode int, failureCode string) bool {
	kinds := r.On
	if len(kinds) == 0 {
		kinds = []FailureKind{FailureAny}
	}
	kind := FailureTimedOut
	switch state {
	case UpdateFailed, UpdateFailedConnectorChannelUpdate:
		kind = FailureFailed
	case UpdateTimedOut:
	default:
		return false
	}
	if !slices.Contains(kinds, kind) && !slices.Contains(kinds, FailureAny) {
		return false
	}
	if kind == FailureTimedOut || len(r.Codes) == 0 {
		return true
	}
	return slices.Contains(r.Codes, failureCode) || (resultCode != 0 && slices.Contains(r.Codes, strconv.Itoa(resultCode)))
}

// EstimateDuration is how long starting every targeted device takes under
// the policy: the rate's time to start each wave (the exponential rate
// assumed to grow on notified devices, and succeeded ones counted as
// notified: an estimate), each wave's soak, and between pages the batch
// delay when no rate is set. Device time to install is not included: it
// is the devices', not the policy's.
func (p RolloutPolicy) EstimateDuration(targeted, batchSize int, batchDelay time.Duration) time.Duration {
	var total time.Duration
	started := 0
	for i, size := range p.WaveSizes(targeted) {
		if i > 0 {
			total += time.Duration(p.wave(i).SoakSeconds) * time.Second
		}
		total += p.startTime(started, size, batchSize, batchDelay)
		started += size
	}
	return total
}

// startTime is how long starting n devices takes after started did.
func (p RolloutPolicy) startTime(started, n, batchSize int, batchDelay time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	if p.Rate == nil {
		pages := (n + max(batchSize, 1) - 1) / max(batchSize, 1)
		return time.Duration(pages-1) * batchDelay
	}
	var minutes float64
	for done := 0; done < n; {
		rate := p.Rate.Current(started+done, started+done)
		step := n - done
		if e := p.Rate.Exponential; e != nil {
			step = min(step, e.Every-(started+done)%e.Every)
		}
		minutes += float64(step) / rate
		done += step
	}
	return time.Duration(minutes * float64(time.Minute))
}
