package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// A campaign with a rollout policy shows its policy, its waves as the
// devices are enrolled, its pause (a warning, with phase and state
// unchanged) and the abort rule's explanation as its autostop reason; the
// campaign as of now folds to the same.
func TestCampaignRolloutColumns(t *testing.T) {
	// Given a campaign whose policy splits its devices 2 / 50% / the rest
	f := newFixture(t)
	ctx := context.Background()
	q, h := projections.NewQueries(f.pool), projections.NewHistory(f.pool, f.store)
	run := start(projections.NewRunner(f.pool, f.store, projections.Config{}))
	defer run.cancel()
	s := newSim(t)
	registerManifest(s, acme, manifest, "sensor")
	policy := domain.RolloutPolicy{Waves: []domain.Wave{{Count: 2}, {Percent: 50}, {Percent: 50}},
		Abort: []domain.AbortRule{{Failure: domain.FailureAny, Percent: 10, MinFinished: 5, Action: domain.ActionPause}}}.Normalized()
	c := created(s, acme, scripted, manifest, false)
	c.Rollout = &policy
	s.campaign(scripted, c)
	step := func(what string, want map[string]any, events ...domain.Event) projections.Campaign {
		t.Helper()
		s.campaign(scripted, events...)
		run.waitFor(t, f.appendAll(t, s.groups))
		s.groups = nil
		assertRow(t, f, what, `SELECT rollout_policy IS NOT NULL AS policy, paused, pause_cause, pause_reason, paused_at IS NOT NULL AS since,
			wave, wave_size, waves_total, wave_sizes, phase, state, campaigner_status, autostop_reason FROM campaigns WHERE id = 'c1'`, want)
		live, err := q.Campaign(ctx, acme, scripted)
		check(t, err)
		asOf, err := h.CampaignAsOf(ctx, acme, scripted, time.Now())
		check(t, err)
		live.RetryCampaignIDs = asOf.RetryCampaignIDs // the as-of view never lists them
		if diff := cmp.Diff(live, asOf); diff != "" {
			t.Errorf("%s: the campaign as of now differs from the read model (-live +as of):\n%s", what, diff)
		}
		return live
	}
	row := func(changes map[string]any) map[string]any {
		out := map[string]any{"policy": true, "paused": false, "pause_cause": "", "pause_reason": "", "since": false,
			"wave": int32(0), "wave_size": int32(0), "waves_total": int32(3), "wave_sizes": nil,
			"phase": "active", "state": "deploying", "campaigner_status": "launched", "autostop_reason": ""}
		for k, v := range changes {
			out[k] = v
		}
		return out
	}

	// When its devices are enrolled in two pages of 6 and 4
	got := step("after the first page", row(map[string]any{"phase": "starting", "state": "devicecopy",
		"wave_sizes": []any{int32(2), int32(3), int32(1)}}),
		domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: s.now()}, domain.CampaignQuotaAllocated{At: s.now()},
		domain.CampaignManifestChecked{ManifestTimestamp: s.clock, At: s.now()},
		domain.CampaignBatchProcessed{Batch: 1, Enrolled: 6, Cursor: "d6", At: s.now()})
	if got.RolloutPolicy == nil || !got.RolloutPolicy.Equal(policy) {
		t.Errorf("the campaign's policy is %+v, want %+v", got.RolloutPolicy, policy)
	}
	// Then the waves split the ten devices, and the first wave is current
	got = step("in the first wave", row(map[string]any{"wave": int32(1), "wave_size": int32(2), "wave_sizes": []any{int32(2), int32(5), int32(3)}}),
		domain.CampaignBatchProcessed{Batch: 2, Enrolled: 4, Cursor: "d10", Last: true, At: s.now()},
		domain.CampaignPublishing{At: s.now()}, domain.CampaignDeploying{At: s.now()},
		domain.CampaignWaveStarted{Wave: 1, Size: 2, At: s.now()})
	if got.Wave != 1 || !cmp.Equal(got.WaveSizes, []int{2, 5, 3}) || got.HealthIndicator != projections.HealthOK {
		t.Errorf("campaign shows wave %d of %v, health %s; want wave 1 of [2 5 3], ok", got.Wave, got.WaveSizes, got.HealthIndicator)
	}

	// When the abort rule pauses it, Then it is paused with a warning, still active/deploying/launched
	got = step("paused by the rule", row(map[string]any{"wave": int32(2), "wave_size": int32(5), "wave_sizes": []any{int32(2), int32(5), int32(3)},
		"paused": true, "pause_cause": "abort_rule", "pause_reason": "too many failed", "since": true}),
		domain.CampaignWaveSucceeded{Wave: 1, At: s.now()}, domain.CampaignWaveStarted{Wave: 2, Size: 5, At: s.now()},
		domain.CampaignPaused{Cause: domain.PausedByRule, Reason: "too many failed", Rule: 1, Wave: 2, At: s.now()})
	if !got.Paused || got.PausedAt == nil || got.HealthIndicator != projections.HealthWarning {
		t.Errorf("paused campaign: paused %v at %v, health %s; want paused with a time, warning", got.Paused, got.PausedAt, got.HealthIndicator)
	}

	// When a user resumes it, Then the pause is gone
	step("resumed", row(map[string]any{"wave": int32(2), "wave_size": int32(5), "wave_sizes": []any{int32(2), int32(5), int32(3)}}),
		domain.CampaignResumed{At: s.now()})

	// When a rule stops it, Then its autostop reason is the rule's explanation, through the stop
	explained := "failed devices reached 40% of 5 finished devices in wave 2"
	step("stopping by a rule", row(map[string]any{"wave": int32(2), "wave_size": int32(5), "wave_sizes": []any{int32(2), int32(5), int32(3)},
		"phase": "stopping", "state": "stopping", "campaigner_status": "cancelled", "autostop_reason": explained}),
		domain.CampaignPaused{Cause: domain.PausedByUser, Reason: "night", At: s.now()},
		domain.CampaignStopRequested{Reason: domain.StateAutoStopped, Detail: explained, At: s.now()})
	step("stopped by a rule", row(map[string]any{"wave": int32(2), "wave_size": int32(5), "wave_sizes": []any{int32(2), int32(5), int32(3)},
		"phase": "stopped", "state": "autostopped", "campaigner_status": "finished", "autostop_reason": explained}),
		domain.CampaignStopped{State: domain.StateAutoStopped, At: s.now()})

	// And every rollout event is in the campaign's history, in order
	assertRows(t, f, "rollout events in the history", `SELECT event_type FROM campaign_history WHERE campaign_id = 'c1'
		AND event_type IN ('CampaignWaveStarted', 'CampaignWaveSucceeded', 'CampaignPaused', 'CampaignResumed') ORDER BY commit_position`,
		[]map[string]any{{"event_type": "CampaignWaveStarted"}, {"event_type": "CampaignWaveSucceeded"}, {"event_type": "CampaignWaveStarted"},
			{"event_type": "CampaignPaused"}, {"event_type": "CampaignResumed"}, {"event_type": "CampaignPaused"}})
}
