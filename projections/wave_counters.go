package projections

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// waveCounterColumns names the campaign_wave_counters column of each state
// a started device can be in. The states before a start (pending,
// awaiting consent, accepted) have none: a device leaving one of them
// with a wave starts in it.
var waveCounterColumns = map[domain.UpdateState]string{
	domain.UpdateRejected:                     "rejected",
	domain.UpdateScheduled:                    "scheduled",
	domain.UpdateUpdatedConnectorChannel:      "updated_connector_channel",
	domain.UpdateFailedConnectorChannelUpdate: "failed_connector_channel_update",
	domain.UpdateDownloading:                  "downloading",
	domain.UpdateInstalling:                   "installing",
	domain.UpdateDeployed:                     "deployed",
	domain.UpdateFailed:                       "failed",
	domain.UpdateTimedOut:                     "timed_out",
	domain.UpdateCancelled:                    "cancelled",
	domain.UpdateManifestRemoved:              "manifest_removed",
	domain.UpdateDeregistered:                 "deregistered",
}

// waveCountersUpsert adds a batch's deltas, one row per campaign and wave.
var waveCountersUpsert = deltaUpsert("campaign_wave_counters", []string{"campaign_id", "wave"}, []string{"account_id"},
	append([]string{"started"}, slices.Sorted(maps.Values(waveCounterColumns))...), []string{"updated_at"})

// waveKey is a campaign's wave.
type waveKey struct {
	campaign domain.CampaignID
	wave     int
}

// waveCountersProjection sums the batch's device state changes that carry
// a wave into one delta per campaign and wave, by each event's From and
// To alone, so no row is read.
type waveCountersProjection struct {
	deltas map[waveKey]*waveDelta
}

// waveDelta is what a batch changes in one wave's counters.
type waveDelta struct {
	accountID string
	started   int64
	states    map[domain.UpdateState]int64
	updatedAt time.Time
}

func newWaveCountersProjection() *waveCountersProjection {
	return &waveCountersProjection{deltas: map[waveKey]*waveDelta{}}
}

// OnDeviceUpdateStateChanged moves a started device between the wave's
// states; the change that starts it counts it started, and a retry, back
// to pending, counts it started no more (Device rule 9): it gives its
// place in the wave back, to be started again.
func (p *waveCountersProjection) OnDeviceUpdateStateChanged(env envelope, e domain.DeviceUpdateStateChanged) {
	if e.Wave <= 0 {
		return
	}
	k := waveKey{e.CampaignID, e.Wave}
	d := p.deltas[k]
	if d == nil {
		d = &waveDelta{accountID: string(env.accountID), states: map[domain.UpdateState]int64{}}
		p.deltas[k] = d
	}
	d.updatedAt = env.at(e.At)
	_, fromStarted := waveCounterColumns[e.From]
	_, toStarted := waveCounterColumns[e.To]
	switch {
	case fromStarted && !toStarted:
		d.states[e.From]--
		d.started--
	case fromStarted:
		d.states[e.From]--
	case toStarted:
		d.started++
	}
	if toStarted {
		d.states[e.To]++
	}
}

// keep drops the deltas of campaigns other than campaign (a rebuild of one).
func (p *waveCountersProjection) keep(campaign domain.CampaignID) {
	for k := range p.deltas {
		if k.campaign != campaign {
			delete(p.deltas, k)
		}
	}
}

// rows returns the deltas as campaign_wave_counters rows, in key order.
func (p *waveCountersProjection) rows() []map[string]any {
	keys := slices.SortedFunc(maps.Keys(p.deltas), func(a, b waveKey) int {
		return cmp.Or(cmp.Compare(a.campaign, b.campaign), cmp.Compare(a.wave, b.wave))
	})
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		d := p.deltas[k]
		row := map[string]any{"campaign_id": k.campaign, "wave": k.wave, "account_id": d.accountID,
			"started": d.started, "updated_at": d.updatedAt}
		for s, col := range waveCounterColumns {
			row[col] = d.states[s]
		}
		out = append(out, row)
	}
	return out
}
