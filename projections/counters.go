package projections

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// counterColumns names the campaign_counters column holding the number of
// devices in each update state.
var counterColumns = map[domain.UpdateState]string{
	domain.UpdatePending:                      "pending",
	domain.UpdateQueued:                       "queued",
	domain.UpdateSkipped:                      "skipped",
	domain.UpdateRejected:                     "rejected",
	domain.UpdateAwaitingConsent:              "awaiting_consent",
	domain.UpdateAccepted:                     "accepted",
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

// countersUpsert adds a batch's deltas: one row per campaign, so each
// campaign's counters are updated once per batch whatever the number of
// events. A campaign's first delta inserts its row.
var countersUpsert = deltaUpsert("campaign_counters", []string{"campaign_id"}, []string{"account_id"},
	append([]string{"targeted"}, slices.Sorted(maps.Values(counterColumns))...), []string{"updated_at"})

// counterDelta is what a batch changes in one campaign's counters.
type counterDelta struct {
	accountID string
	targeted  int64
	states    map[domain.UpdateState]int64
	updatedAt time.Time
}

// campaignCountersProjection sums the batch's device events into one delta
// per campaign. Counters move by an event's From and To states alone, so
// no row is read.
type campaignCountersProjection struct {
	deltas map[domain.CampaignID]*counterDelta
}

func newCampaignCountersProjection() *campaignCountersProjection {
	return &campaignCountersProjection{deltas: map[domain.CampaignID]*counterDelta{}}
}

// OnCampaignCreated gives the campaign its row of zeros, so that readers
// never need a COUNT(*) or an outer join.
func (p *campaignCountersProjection) OnCampaignCreated(env envelope, e domain.CampaignCreated) {
	p.delta(env.campaignID, e.AccountID, env.at(e.At))
}

// OnDeviceEnrolled counts a targeted device, pending or queued.
func (p *campaignCountersProjection) OnDeviceEnrolled(env envelope, e domain.DeviceEnrolled) {
	d := p.delta(e.CampaignID, env.accountID, env.at(e.At))
	d.targeted++
	d.states[e.State()]++
}

// OnDeviceSkipped counts a targeted device, skipped.
func (p *campaignCountersProjection) OnDeviceSkipped(env envelope, e domain.DeviceSkipped) {
	d := p.delta(e.CampaignID, env.accountID, env.at(e.At))
	d.targeted++
	d.states[domain.UpdateSkipped]++
}

// OnDeviceUpdateStateChanged moves a device from one state's count to another's.
func (p *campaignCountersProjection) OnDeviceUpdateStateChanged(env envelope, e domain.DeviceUpdateStateChanged) error {
	for _, s := range []domain.UpdateState{e.From, e.To} {
		if _, ok := counterColumns[s]; !ok {
			return fmt.Errorf("campaign_counters has no column for update state %q", s)
		}
	}
	d := p.delta(e.CampaignID, env.accountID, env.at(e.At))
	d.states[e.From]--
	d.states[e.To]++
	return nil
}

// apply hands the projection the events that move counters; the runner
// and CounterFold both go through it, so that they count alike.
func (p *campaignCountersProjection) apply(env envelope) error {
	switch e := env.event.(type) {
	case domain.CampaignCreated:
		p.OnCampaignCreated(env, e)
	case domain.DeviceEnrolled:
		p.OnDeviceEnrolled(env, e)
	case domain.DeviceSkipped:
		p.OnDeviceSkipped(env, e)
	case domain.DeviceUpdateStateChanged:
		return p.OnDeviceUpdateStateChanged(env, e)
	}
	return nil
}

func (p *campaignCountersProjection) delta(campaign domain.CampaignID, account domain.AccountID, at time.Time) *counterDelta {
	d := p.deltas[campaign]
	if d == nil {
		d = &counterDelta{accountID: string(account), states: map[domain.UpdateState]int64{}}
		p.deltas[campaign] = d
	}
	d.updatedAt = at
	return d
}

// rows returns the deltas as campaign_counters rows, in campaign order.
func (p *campaignCountersProjection) rows() []map[string]any {
	var out []map[string]any
	for _, id := range slices.Sorted(maps.Keys(p.deltas)) {
		d := p.deltas[id]
		row := map[string]any{"campaign_id": id, "account_id": d.accountID, "targeted": d.targeted, "updated_at": d.updatedAt}
		for s, col := range counterColumns {
			row[col] = d.states[s]
		}
		out = append(out, row)
	}
	return out
}
