package commands_test

import (
	"context"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// activeRollout is the history of an active campaign of account of 10
// devices, in waves of 2 and 8, stopped when half its finished devices
// failed.
func activeRollout(id domain.CampaignID, account domain.AccountID) []domain.Event {
	created := campaignCreated(id, account, 10)
	policy := domain.RolloutPolicy{Waves: []domain.Wave{{Count: 2}, {Count: 8}},
		Abort: []domain.AbortRule{{Failure: domain.FailureFailed, Percent: 50, MinFinished: 2, Action: domain.ActionStop}}}.Normalized()
	created.Rollout = &policy
	return []domain.Event{created, domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: at(9)},
		domain.CampaignQuotaAllocated{At: at(9)}, domain.CampaignManifestChecked{At: at(9)},
		domain.CampaignBatchProcessed{Batch: 1, Enrolled: 10, Last: true, At: at(9)},
		domain.CampaignPublishing{At: at(9)}, domain.CampaignDeploying{At: at(8)}}
}

// The engine's rollout commands decide on the account's own campaign and
// answer another account's as not found, recording nothing.
func TestTheRolloutCommands(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.CampaignStream("c1"), activeRollout("c1", acme)...)
	f.given(t, domain.CampaignStream("gc"), activeRollout("gc", globex)...)
	waveStarted := domain.CampaignWaveStarted{Wave: 1, Size: 2, At: now}

	t.Run("advancing the waves of an active campaign starts its first", func(t *testing.T) {
		_, _, err := f.h.AdvanceCampaignWaves(ctx, commands.AdvanceCampaignWaves{Meta: meta(""), CampaignID: "c1", Pending: 10})
		ok(t, err)
		f.then(t, domain.CampaignStream("c1"), append(activeRollout("c1", acme), waveStarted)...)
	})
	t.Run("an abort rule that matches stops the campaign with its reason", func(t *testing.T) {
		_, err := f.h.CheckCampaignAbort(ctx, commands.CheckCampaignAbort{Meta: meta(""), CampaignID: "c1",
			Campaign: domain.Tally{Finished: 2, Failed: 1}, Wave: domain.Tally{Finished: 2, Failed: 1}})
		ok(t, err)
		f.then(t, domain.CampaignStream("c1"), append(activeRollout("c1", acme), waveStarted,
			domain.CampaignStopRequested{Reason: domain.StateAutoStopped, At: now,
				Detail: "the campaign: 1 of 2 finished devices failed (50.0%), at or above the threshold of 50% (after 2)"})...)
	})
	t.Run("another account's campaign is not found", func(t *testing.T) {
		_, _, err := f.h.AdvanceCampaignWaves(ctx, commands.AdvanceCampaignWaves{Meta: meta(""), CampaignID: "gc", Pending: 10})
		wantKind(t, err, domain.KindNotFound)
		_, err = f.h.CheckCampaignAbort(ctx, commands.CheckCampaignAbort{Meta: meta(""), CampaignID: "gc",
			Campaign: domain.Tally{Finished: 2, Failed: 2}})
		wantKind(t, err, domain.KindNotFound)
		f.then(t, domain.CampaignStream("gc"), activeRollout("gc", globex)...)
	})
}
