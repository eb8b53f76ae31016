package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sampleRollout uses every part of a policy.
func sampleRollout() RolloutPolicy {
	return RolloutPolicy{
		Waves: []Wave{{Percent: 10, SoakSeconds: 60}, {Count: 50, SuccessPercent: ptr(80.0)}, {Percent: 100}},
		Rate:  &RatePolicy{PerMinute: 600, Exponential: &ExponentialRate{BasePerMinute: 60, Factor: 2, IncreaseOn: GrowOnNotified, Every: 100}},
		Abort: []AbortRule{{Failure: FailureFailed, Percent: 20, MinFinished: 10, Scope: ScopeWave, Action: ActionStop}},
		Retry: &RetryPolicy{Codes: []string{"DOWNLOAD_FAILED", "19"}, MaxAttempts: 3, BackoffSeconds: 30},
	}
}

func TestRolloutPolicyDefaultsAndProblems(t *testing.T) {
	got := sampleRollout().Normalized()
	if *got.Waves[0].SuccessPercent != DefaultWaveSuccessPercent || *got.Waves[1].SuccessPercent != 80 ||
		got.Conflict != ConflictSkip || got.Retry.Factor != 2 || len(got.Retry.On) != 2 {
		t.Errorf("normalized policy lacks its defaults: %+v", got)
	}
	if !(RolloutPolicy{}).IsZero() || sampleRollout().IsZero() || !(RolloutPolicy{Conflict: ConflictSkip}).IsZero() {
		t.Error("IsZero: only a policy asking for nothing beyond the defaults is zero")
	}
	for _, tc := range []struct {
		name   string
		policy RolloutPolicy
		fields []string
	}{
		{name: "the sample is valid", policy: sampleRollout()},
		{name: "a wave with both percent and count", policy: RolloutPolicy{Waves: []Wave{{Percent: 10, Count: 5}}}, fields: []string{"rollout_policy.waves[0].percent"}},
		{name: "a wave with neither", policy: RolloutPolicy{Waves: []Wave{{}}}, fields: []string{"rollout_policy.waves[0].percent"}},
		{name: "a wave above 100 percent, a threshold above 100 and a negative soak",
			policy: RolloutPolicy{Waves: []Wave{{Percent: 101, SuccessPercent: ptr(101.0), SoakSeconds: -1}}},
			fields: []string{"rollout_policy.waves[0].percent", "rollout_policy.waves[0].success_percent", "rollout_policy.waves[0].soak_seconds"}},
		{name: "a rate of nothing", policy: RolloutPolicy{Rate: &RatePolicy{}}, fields: []string{"rollout_policy.rate.per_minute"}},
		{name: "an exponential rate badly made",
			policy: RolloutPolicy{Rate: &RatePolicy{PerMinute: 10, Exponential: &ExponentialRate{BasePerMinute: 20, Factor: 1, IncreaseOn: "weather"}}},
			fields: []string{"rollout_policy.rate.exponential.base_per_minute", "rollout_policy.rate.exponential.factor",
				"rollout_policy.rate.exponential.increase_on", "rollout_policy.rate.exponential.every"}},
		{name: "an abort rule of zero percent and unknown kinds",
			policy: RolloutPolicy{Abort: []AbortRule{{Failure: "bad", Scope: "fleet", Action: "explode", MinFinished: -1}}},
			fields: []string{"rollout_policy.abort[0].failure", "rollout_policy.abort[0].threshold_percent",
				"rollout_policy.abort[0].min_finished", "rollout_policy.abort[0].scope", "rollout_policy.abort[0].action"}},
		{name: "a retry of eleven attempts on an unknown kind",
			policy: RolloutPolicy{Retry: &RetryPolicy{MaxAttempts: 11, On: []FailureKind{"late"}, Codes: []string{""}}},
			fields: []string{"rollout_policy.retry.max_attempts", "rollout_policy.retry.on[0]", "rollout_policy.retry.codes[0]"}},
		{name: "an unknown conflict policy", policy: RolloutPolicy{Conflict: "fight"}, fields: []string{"rollout_policy.conflict"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fields []string
			for _, p := range tc.policy.problems() {
				var inv InvalidError
				if !errors.As(p, &inv) {
					t.Fatalf("problem %v is not an InvalidError", p)
				}
				fields = append(fields, inv.Field)
			}
			if diff := cmp.Diff(tc.fields, fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWaveSizes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		waves    []Wave
		targeted int
		want     []int
	}{
		{name: "no waves is one wave of everything", targeted: 1000, want: []int{1000}},
		{name: "percent and count waves, the last taking the rest", waves: sampleRollout().Waves, targeted: 1000, want: []int{100, 50, 850}},
		{name: "a percent wave takes at least one device", waves: []Wave{{Percent: 1}, {Percent: 100}}, targeted: 10, want: []int{1, 9}},
		{name: "a wave takes no more than is left, and empty waves are dropped",
			waves: []Wave{{Count: 8}, {Count: 8}, {Count: 8}}, targeted: 10, want: []int{8, 2}},
		{name: "the last wave takes the rest even when it asked for less", waves: []Wave{{Percent: 20}, {Percent: 20}}, targeted: 100, want: []int{20, 80}},
		{name: "no devices, no waves", waves: []Wave{{Percent: 50}, {Percent: 50}}, targeted: 0, want: []int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := RolloutPolicy{Waves: tc.waves}.WaveSizes(tc.targeted)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("sizes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRatePacing(t *testing.T) {
	exp := sampleRollout().Rate
	for _, tc := range []struct {
		name                string
		rate                *RatePolicy
		notified, succeeded int
		want                float64
	}{
		{name: "no rate is no limit", want: 0},
		{name: "a constant rate", rate: &RatePolicy{PerMinute: 120}, notified: 5000, want: 120},
		{name: "an exponential rate starts at its base", rate: exp, notified: 99, want: 60},
		{name: "it doubles every 100 notified", rate: exp, notified: 250, want: 240},
		{name: "it stops at its ceiling", rate: exp, notified: 10_000, want: 600},
		{name: "grown on succeeded devices it ignores notified ones",
			rate:     &RatePolicy{Exponential: &ExponentialRate{BasePerMinute: 10, Factor: 3, IncreaseOn: GrowOnSucceeded, Every: 10}},
			notified: 1000, succeeded: 25, want: 90},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.rate.Current(tc.notified, tc.succeeded); got != tc.want {
				t.Errorf("rate: got %v, want %v", got, tc.want)
			}
		})
	}
	pace := Pace{Since: t0, Base: 40, PerMinute: 120}
	for _, tc := range []struct {
		after time.Duration
		want  int
	}{{0, 41}, {499 * time.Millisecond, 41}, {500 * time.Millisecond, 42}, {time.Minute, 161}, {-time.Second, 41}} {
		if got := pace.Allowed(t0.Add(tc.after)); got != tc.want {
			t.Errorf("allowed %v after the pace began: got %d, want %d", tc.after, got, tc.want)
		}
	}
	if got, want := pace.NextAt(41), t0.Add(500*time.Millisecond); !got.Equal(want) {
		t.Errorf("the 42nd device may start at %v, want %v", got, want)
	}
	if got := pace.Allowed(pace.NextAt(100)); got <= 100 {
		t.Errorf("at NextAt(100) the pace allows %d, not a 101st device", got)
	}
	if got := (Pace{}).Allowed(t0); got < 1<<40 {
		t.Errorf("a pace without a rate allows %d", got)
	}
}

func TestAbortRuleMatches(t *testing.T) {
	rule := AbortRule{Failure: FailureAny, Percent: 20, MinFinished: 10, Scope: ScopeCampaign, Action: ActionStop}
	for _, tc := range []struct {
		name  string
		rule  AbortRule
		tally Tally
		want  bool
	}{
		{name: "below the minimum of finished devices it waits", rule: rule, tally: Tally{Finished: 9, Failed: 9}, want: false},
		{name: "at the threshold it fires", rule: rule, tally: Tally{Finished: 10, Failed: 1, TimedOut: 1}, want: true},
		{name: "below the threshold it does not", rule: rule, tally: Tally{Finished: 11, Failed: 1, TimedOut: 1}, want: false},
		{name: "a rule on failures ignores time-outs", rule: AbortRule{Failure: FailureFailed, Percent: 20}, tally: Tally{Finished: 10, TimedOut: 5}, want: false},
		{name: "a rule on time-outs counts them", rule: AbortRule{Failure: FailureTimedOut, Percent: 20}, tally: Tally{Finished: 10, TimedOut: 2}, want: true},
		{name: "nothing finished never fires", rule: AbortRule{Failure: FailureAny, Percent: 1}, tally: Tally{}, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.rule.matches(tc.tally); got != tc.want {
				t.Errorf("matches(%+v): got %v, want %v", tc.tally, got, tc.want)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	retry := sampleRollout().Normalized().Retry
	for _, tc := range []struct {
		name     string
		retry    *RetryPolicy
		state    UpdateState
		result   int
		failure  string
		attempts int
		want     time.Duration
		ok       bool
	}{
		{name: "a listed failure code is retried after the backoff", retry: retry, state: UpdateFailed, failure: "DOWNLOAD_FAILED", attempts: 1, want: 30 * time.Second, ok: true},
		{name: "the second retry waits twice as long", retry: retry, state: UpdateFailed, failure: "DOWNLOAD_FAILED", attempts: 2, want: time.Minute, ok: true},
		{name: "no more than the attempts", retry: retry, state: UpdateFailed, failure: "DOWNLOAD_FAILED", attempts: 3},
		{name: "a listed numeric result code is retried", retry: retry, state: UpdateFailed, result: 19, attempts: 1, want: 30 * time.Second, ok: true},
		{name: "an unlisted failure is not", retry: retry, state: UpdateFailed, failure: "INSTALL_FAILED", attempts: 1},
		{name: "a time-out is retried whatever the codes", retry: retry, state: UpdateTimedOut, attempts: 1, want: 30 * time.Second, ok: true},
		{name: "a policy on failures only leaves time-outs", retry: &RetryPolicy{On: []FailureKind{FailureFailed}, MaxAttempts: 2}, state: UpdateTimedOut, attempts: 1},
		{name: "a failed connector write is a failure", retry: &RetryPolicy{MaxAttempts: 2, BackoffSeconds: 5}, state: UpdateFailedConnectorChannelUpdate, attempts: 1, want: 5 * time.Second, ok: true},
		{name: "a deployed device is never retried", retry: retry, state: UpdateDeployed, attempts: 1},
		{name: "a cancelled device is never retried", retry: retry, state: UpdateCancelled, attempts: 1},
		{name: "no policy, no retry", state: UpdateFailed, failure: "DOWNLOAD_FAILED", attempts: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, ok := tc.retry.Retries(tc.state, tc.result, tc.failure, tc.attempts, t0)
			if ok != tc.ok || (ok && !at.Equal(t0.Add(tc.want))) {
				t.Errorf("got %v after, %v; want %v after, %v", at.Sub(t0), ok, tc.want, tc.ok)
			}
		})
	}
}

func TestEstimateDuration(t *testing.T) {
	for _, tc := range []struct {
		name     string
		policy   RolloutPolicy
		targeted int
		want     time.Duration
	}{
		{name: "without a rate, the batch delays between pages", targeted: 1000, want: 4 * 10 * time.Second},
		{name: "a constant rate", policy: RolloutPolicy{Rate: &RatePolicy{PerMinute: 100}}, targeted: 1000, want: 10 * time.Minute},
		{name: "waves add their soak",
			policy:   RolloutPolicy{Waves: []Wave{{Percent: 10, SoakSeconds: 300}, {Percent: 100}}, Rate: &RatePolicy{PerMinute: 100}},
			targeted: 1000, want: 15 * time.Minute},
		{name: "an exponential rate grows by its steps",
			policy:   RolloutPolicy{Rate: &RatePolicy{Exponential: &ExponentialRate{BasePerMinute: 100, Factor: 2, IncreaseOn: GrowOnNotified, Every: 100}}},
			targeted: 300, want: time.Minute + 30*time.Second + 15*time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.policy.EstimateDuration(tc.targeted, 200, 10*time.Second); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
