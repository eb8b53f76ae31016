package projections

import (
	"github.com/updateservice/updateservice/domain"
)

// The campaigns read model's rollout columns (Campaign rules 16–21): the
// policy, the pause and the waves. The pause never changes phase or state:
// clients that validate them see a paused campaign as active/deploying.

// setRollout copies the policy a CampaignCreated or CampaignEdited records
// and the number of waves it asks for, until devices are enrolled.
func setRollout(r *campaignRow, p *domain.RolloutPolicy) {
	r.RolloutPolicy, r.WavesTotal = p, 1
	if p != nil && len(p.Waves) > 0 {
		r.WavesTotal = len(p.Waves)
	}
}

// splitWaves splits the devices enrolled so far, the last page's with
// those before, into the policy's waves, as the Campaign does. The sizes
// add up to the devices enrolled (the last wave takes the rest), so the
// row needs no count of its own.
func splitWaves(r *campaignRow, enrolled int) {
	for _, n := range r.WaveSizes {
		enrolled += n
	}
	var p domain.RolloutPolicy
	if r.RolloutPolicy != nil {
		p = *r.RolloutPolicy
	}
	r.WaveSizes = p.WaveSizes(enrolled)
	r.WavesTotal = len(r.WaveSizes)
}

// stoppedReason is the autostop_reason of a campaign that stopped as s. An
// abort rule's explanation, recorded with the stop request, stays: it says
// more than the state's text.
func stoppedReason(r *campaignRow, s domain.State) string {
	if s == domain.StateAutoStopped && r.Phase == domain.PhaseStopping && r.AutostopReason != "" {
		return r.AutostopReason
	}
	return stopReason(s)
}

// OnCampaignWaveStarted records the current wave and its size.
func (p *campaignsProjection) OnCampaignWaveStarted(env envelope, e domain.CampaignWaveStarted) error {
	return p.change(env, e.At, func(r *campaignRow) { r.Wave, r.WaveSize = e.Wave, e.Size })
}

// OnCampaignWaveSucceeded changes no column but the row's stamp: a wave's
// success shows in its counters, and in the campaign's history.
func (p *campaignsProjection) OnCampaignWaveSucceeded(env envelope, e domain.CampaignWaveSucceeded) error {
	return p.change(env, e.At, func(*campaignRow) {})
}

// OnCampaignPaused records the pause: who, why and since when.
func (p *campaignsProjection) OnCampaignPaused(env envelope, e domain.CampaignPaused) error {
	return p.change(env, e.At, func(r *campaignRow) {
		at := env.at(e.At)
		r.Paused, r.PauseCause, r.PauseReason, r.PausedAt = true, string(e.Cause), e.Reason, &at
	})
}

// OnCampaignResumed clears the pause; the history keeps it.
func (p *campaignsProjection) OnCampaignResumed(env envelope, e domain.CampaignResumed) error {
	return p.change(env, e.At, clearPause)
}

// clearPause empties the pause columns.
func clearPause(r *campaignRow) {
	r.Paused, r.PauseCause, r.PauseReason, r.PausedAt = false, "", "", nil
}
