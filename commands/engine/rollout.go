package engine

import (
	"context"
	"math"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// unlimited is the room of a campaign without a rollout policy: as many
// devices as MaxInFlight and the page allow.
const unlimited = math.MaxInt

// WaveProgress counts the devices started in one wave of a campaign by
// how far their update is, from the wave's counters.
type WaveProgress struct {
	Started  int64 // starts in the wave: leaving pending (or accepted) with it
	Open     int64 // started, no outcome yet
	Deployed int64
	Failed   int64 // failed, or failed_connector_channel_update
	TimedOut int64
}

// rolledOut reports whether the campaign's policy asks anything of the
// engine's sending: waves, a rate or abort rules. A campaign without them
// is sent to as before the policies, one wave, unpaced, and records no
// wave.
func rolledOut(p domain.RolloutPolicy) bool {
	return len(p.Waves) > 0 || p.Rate != nil || len(p.Abort) > 0
}

// rollout is an active campaign's rollout look (rule 12): it checks
// the abort rules and advances the waves on the campaign's and the
// current wave's counters, then says how many devices may start now. When
// none may, wait is when to look again (the pace's next device, or the
// end of a soak). moved says a command recorded something: the caller
// steps again on the campaign as it is now.
func (d *driver) rollout(ctx context.Context, cp *domain.Campaign) (room int, wait time.Duration, moved bool, err error) {
	policy := cp.Rollout()
	if !rolledOut(policy) {
		return unlimited, 0, false, nil
	}
	wave, size := cp.Wave()
	p, err := d.e.reads.CampaignProgress(ctx, d.id)
	if err != nil {
		return 0, 0, false, err
	}
	w, err := d.e.reads.WaveProgress(ctx, d.id, wave)
	if err != nil {
		return 0, 0, false, err
	}
	// Retries after the counters are read: a device that failed since the
	// last look waits for its retry or is retried, and keeps its wave open.
	if retried, err := d.retryEnded(ctx, cp); err != nil || retried {
		return 0, 0, true, err
	}
	meta := commands.Meta{Account: d.account, CorrelationID: string(d.id)}
	res, err := d.e.cmds.CheckCampaignAbort(ctx, commands.CheckCampaignAbort{Meta: meta, CampaignID: d.id,
		Campaign: tally(p.Deployed, p.Failed, p.TimedOut), Wave: tally(w.Deployed, w.Failed, w.TimedOut)})
	if err != nil || d.recorded(res) {
		return 0, 0, true, err
	}
	res, due, err := d.e.cmds.AdvanceCampaignWaves(ctx, commands.AdvanceCampaignWaves{Meta: meta, CampaignID: d.id,
		Wave: domain.WaveTally{Tally: tally(w.Deployed, w.Failed, w.TimedOut), Started: int(w.Started), Open: int(w.Open) + retrying(d.retryWaiting),
			Deployed: int(w.Deployed)}, Pending: int(p.Open - p.InFlight)})
	if err != nil || d.recorded(res) {
		return 0, 0, true, err
	}
	now := d.e.now()
	room = max(size-int(w.Started), 0)
	if wave == 0 || room == 0 {
		return 0, untilDue(due, now), false, nil
	}
	pace := d.paceOf(cp, wave, p, now)
	allowed := pace.Allowed(now)
	if allowed == math.MaxInt {
		return room, 0, false, nil
	}
	room = min(room, max(allowed-int(p.Started), 0))
	if room == 0 {
		return 0, max(pace.NextAt(int(p.Started)).Sub(now), time.Millisecond), false, nil
	}
	return room, 0, false, nil
}

// recorded reports whether a command appended something, and keeps its
// position for the driver's next read.
func (d *driver) recorded(res commands.Result) bool {
	if res.Position == (eventstore.Position{}) {
		return false
	}
	d.wrote(res)
	return true
}

// paceOf returns the pace devices start at: the one kept since the rate,
// the wave or the last resume changed, or a new one from now with the
// devices started so far as its base. A restarted engine begins a new pace: at most one
// device more than the rate allows at the restart.
func (d *driver) paceOf(cp *domain.Campaign, wave int, p Progress, now time.Time) domain.Pace {
	rate := cp.Rollout().Rate.Current(int(p.Started), int(p.Deployed))
	key := paceKey{rate: rate, wave: wave, resumed: cp.ResumedAt()}
	if d.paceKey != key || d.pace.Since.IsZero() {
		d.paceKey, d.pace = key, domain.Pace{Since: now, Base: int(p.Started), PerMinute: rate}
	}
	return d.pace
}

// paceKey is what begins a new pace when it changes (Campaign rule 18).
type paceKey struct {
	rate    float64
	wave    int
	resumed time.Time
}

// tally is a Tally of outcome counters.
func tally(deployed, failed, timedOut int64) domain.Tally {
	return domain.Tally{Finished: int(deployed + failed + timedOut), Failed: int(failed), TimedOut: int(timedOut)}
}

// untilDue is how long until due; 0 when due is zero or past.
func untilDue(due, now time.Time) time.Duration {
	if due.IsZero() || !due.After(now) {
		return 0
	}
	return due.Sub(now)
}

// retrying counts a device waiting for its retry (retry.go) as open in the
// wave: the wave has not ended while the policy will send to it again.
func retrying(waiting bool) int {
	if waiting {
		return 1
	}
	return 0
}
