package projections

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// statisticsRow is a delta of campaign_statistics or, with an event type,
// of campaign_event_types; the json tags are the columns.
type statisticsRow struct {
	CampaignID    string    `json:"campaign_id"`
	SummaryStatus string    `json:"summary_status"`
	EventType     string    `json:"event_type,omitempty"`
	AccountID     string    `json:"account_id"`
	Description   string    `json:"description,omitempty"`
	Count         int64     `json:"count"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// The statistics upserts add counts; created_at stays the first event's.
var (
	statisticsUpsert = deltaUpsert("campaign_statistics", []string{"campaign_id", "summary_status"},
		[]string{"account_id", "created_at"}, []string{"count"}, []string{"updated_at"})
	eventTypesUpsert = deltaUpsert("campaign_event_types", []string{"campaign_id", "summary_status", "event_type"},
		[]string{"account_id", "created_at"}, []string{"count"}, []string{"description", "updated_at"})
)

// statisticsKey identifies a row of either statistics table; EventType is
// empty for campaign_statistics.
type statisticsKey struct {
	campaign, summary, eventType string
}

// campaignStatisticsProjection counts devices per campaign by summary
// status and by event type, following the outcomes table: as Pelion
// defined them, a count is of devices that reported there, not of
// transitions. Like counters, it sums a batch into one delta per row.
type campaignStatisticsProjection struct {
	deltas map[statisticsKey]*statisticsRow
}

func newCampaignStatisticsProjection() *campaignStatisticsProjection {
	return &campaignStatisticsProjection{deltas: map[statisticsKey]*statisticsRow{}}
}

// OnCampaignCreated gives the campaign its four summary rows at zero.
func (p *campaignStatisticsProjection) OnCampaignCreated(env envelope, e domain.CampaignCreated) {
	for _, s := range SummaryStatuses {
		p.add(statisticsKey{string(env.campaignID), s, ""}, e.AccountID, "", 0, env.at(e.At))
	}
}

// OnDeviceEnrolled counts an enrolment.
func (p *campaignStatisticsProjection) OnDeviceEnrolled(env envelope, e domain.DeviceEnrolled) error {
	return p.count(env, e.CampaignID, "", e.State(), "", 0, e.At)
}

// OnDeviceSkipped counts a skip by its reason.
func (p *campaignStatisticsProjection) OnDeviceSkipped(env envelope, e domain.DeviceSkipped) error {
	return p.count(env, e.CampaignID, "", domain.UpdateSkipped, e.Reason, 0, e.At)
}

// OnDeviceUpdateStateChanged counts the state the device reached.
func (p *campaignStatisticsProjection) OnDeviceUpdateStateChanged(env envelope, e domain.DeviceUpdateStateChanged) error {
	return p.count(env, e.CampaignID, e.From, e.To, "", e.ResultCode, e.At)
}

// count counts a device that reached state from the state from ("" for an
// enrolment or a skip). A device reaches each event type once per
// attempt: its update never goes back (Device rule 6) but to pending on a
// retry (rule 9), and it is enrolled or skipped once.
// It counts in a summary once, when it enters it: its states run through
// info, then end in one summary, so it enters a summary when it leaves
// another one's state or had none.
func (p *campaignStatisticsProjection) count(env envelope, campaign domain.CampaignID, from, state domain.UpdateState,
	skip domain.SkipReason, code int, eventAt time.Time) error {
	if from != "" && from != domain.UpdateQueued && state == domain.UpdatePending {
		return p.retried(env, campaign, from, eventAt) // only a retry moves an ended update back to pending
	}
	o, err := outcomeOf(state, skip, code)
	if err != nil {
		return err
	}
	entering := int64(1)
	if from != "" {
		left, err := outcomeOf(from, "", 0)
		if err != nil {
			return err
		}
		if left.summary == o.summary {
			entering = 0
		}
	}
	at := env.at(eventAt)
	p.add(statisticsKey{string(campaign), o.summary, ""}, env.accountID, "", entering, at)
	p.add(statisticsKey{string(campaign), o.summary, o.eventType}, env.accountID, o.description, 1, at)
	return nil
}

// retried counts a device whose failed or timed-out update is sent again
// (Device rule 9): it leaves its failure's summary, so that a summary
// counts each device by its latest outcome, and counts under the retry's
// event type. It counted in info when it was enrolled, and its failure's
// event type keeps counting the failure it reported.
func (p *campaignStatisticsProjection) retried(env envelope, campaign domain.CampaignID, from domain.UpdateState, eventAt time.Time) error {
	left, err := outcomeOf(from, "", 0)
	if err != nil {
		return err
	}
	at := env.at(eventAt)
	p.add(statisticsKey{string(campaign), left.summary, ""}, env.accountID, "", -1, at)
	p.add(statisticsKey{string(campaign), retryOutcome.summary, retryOutcome.eventType}, env.accountID, retryOutcome.description, 1, at)
	return nil
}

func (p *campaignStatisticsProjection) add(k statisticsKey, account domain.AccountID, description string, n int64, at time.Time) {
	d := p.deltas[k]
	if d == nil {
		d = &statisticsRow{CampaignID: k.campaign, SummaryStatus: k.summary, EventType: k.eventType,
			AccountID: string(account), Description: description, CreatedAt: at}
		p.deltas[k] = d
	}
	d.Count += n
	d.UpdatedAt = at
}

// rows returns the summary deltas and the event type deltas, in key order.
func (p *campaignStatisticsProjection) rows() (summaries, eventTypes []*statisticsRow) {
	keys := slices.SortedFunc(maps.Keys(p.deltas), func(a, b statisticsKey) int {
		return cmp.Or(cmp.Compare(a.campaign, b.campaign), cmp.Compare(a.summary, b.summary), cmp.Compare(a.eventType, b.eventType))
	})
	for _, k := range keys {
		if k.eventType == "" {
			summaries = append(summaries, p.deltas[k])
		} else {
			eventTypes = append(eventTypes, p.deltas[k])
		}
	}
	return summaries, eventTypes
}
