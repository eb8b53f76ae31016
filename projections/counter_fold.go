package projections

import (
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// CounterFold counts one campaign's devices by update state from its
// events alone, with the campaign_counters projection's own code: an
// auditor's tool (updatectl verify-export) recomputes the counters from an
// export without a database, and gets the runner's numbers or a difference.
type CounterFold struct {
	campaign domain.CampaignID
	counters *campaignCountersProjection
}

// NewCounterFold returns a fold of the campaign's counters, all zero.
func NewCounterFold(campaign domain.CampaignID) *CounterFold {
	return &CounterFold{campaign: campaign, counters: newCampaignCountersProjection()}
}

// Apply counts one event, given in the global order. Events that move no
// counter, or another campaign's, change nothing; an event that does not
// decode, or names an update state the counters do not have, is an error,
// as it would stop the runner.
func (f *CounterFold) Apply(rec eventstore.RecordedEvent) error {
	env, err := decode(rec)
	if err != nil {
		return err
	}
	return f.counters.apply(env)
}

// Counters returns the counters after the events applied so far, as
// campaign_counters would hold them: updated_at is the time of the last
// counted event, rounded as the table keeps it.
func (f *CounterFold) Counters() Counters {
	d := f.counters.deltas[f.campaign]
	if d == nil {
		return countersOf(f.campaign, nil, time.Time{})
	}
	return countersOf(f.campaign, d.states, roundAsFromJSON(d.updatedAt))
}
