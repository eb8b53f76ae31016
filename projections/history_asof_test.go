package projections_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// liveView is what the read models showed of one campaign at one instant.
type liveView struct {
	campaign   projections.Campaign
	counters   projections.Counters
	statistics projections.StatisticsAsOf
	campaigner projections.CampaignerStats
	metadata   []projections.DeviceMetadata
}

// mixedCampaigns are the campaigns of mixedHistory, with their accounts.
var mixedCampaigns = func() map[domain.CampaignID]domain.AccountID {
	out := map[domain.CampaignID]domain.AccountID{}
	for _, a := range []domain.AccountID{"acme", "globex"} {
		for _, c := range []string{"draft", "timed", "approved", "main", "gw", "second"} {
			out[domain.CampaignID(string(a)+c)] = a
		}
	}
	return out
}()

func TestCampaignAsOfEqualsWhatTheReadModelsShowedThen(t *testing.T) {
	// Given a history appended in steps, the live read models of every
	// campaign recorded after each step
	f := newFixture(t)
	r := start(projections.NewRunner(f.pool, f.store, projections.Config{BatchSize: 97}))
	defer r.stop(t)
	q, h := projections.NewQueries(f.pool), projections.NewHistory(f.pool, f.store)
	groups := mixedHistory(t, 7, 40)
	seen := map[time.Time]map[domain.CampaignID]liveView{}
	step := len(groups)/7 + 1
	for i := 0; i < len(groups); i += step {
		r.waitFor(t, f.appendAll(t, groups[i:min(i+step, len(groups))]))
		at := time.Now()
		seen[at] = liveViews(t, q)
		time.Sleep(2 * time.Millisecond) // the next events are recorded later than at
	}

	// When the campaigns are asked for as of each of those instants
	// Then they are what the read models showed then
	for at, views := range seen {
		for c, a := range mixedCampaigns {
			want, existed := views[c]
			got, err := asOfView(h, a, c, at)
			if !existed {
				if !errors.As(err, new(domain.NotFoundError)) {
					t.Errorf("%s as of %s: error %v, want not found", c, at, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s as of %s: %v", c, at, err)
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(liveView{})); diff != "" {
				t.Errorf("%s as of %s differs from what the read models showed (-then +as of):\n%s", c, at, diff)
			}
		}
	}
}

// liveViews reads every existing campaign's live read models.
func liveViews(t *testing.T, q *projections.Queries) map[domain.CampaignID]liveView {
	t.Helper()
	out := map[domain.CampaignID]liveView{}
	for c, a := range mixedCampaigns {
		if v, ok := readLiveView(t, q, a, c); ok {
			out[c] = v
		}
	}
	return out
}

// readLiveView reads one campaign's live read models; false when it does
// not exist.
func readLiveView(t *testing.T, q *projections.Queries, a domain.AccountID, c domain.CampaignID) (liveView, bool) {
	t.Helper()
	ctx := context.Background()
	var v liveView
	var err error
	if v.campaign, err = q.Campaign(ctx, a, c); errors.As(err, new(domain.NotFoundError)) {
		return v, false
	}
	v.counters, err = q.CampaignCounters(ctx, a, c)
	check(t, err)
	v.statistics.Summaries, err = q.CampaignStatistics(ctx, a, c)
	check(t, err)
	v.statistics.EventTypes = []projections.EventTypeStatistic{}
	for _, s := range v.statistics.Summaries {
		e, err := q.CampaignEventTypes(ctx, a, c, s.SummaryStatus)
		check(t, err)
		v.statistics.EventTypes = append(v.statistics.EventTypes, e...)
	}
	v.campaigner, err = q.CampaignerStats(ctx, a, c)
	check(t, err)
	page, err := q.ListCampaignDeviceMetadata(ctx, a, c, projections.ListRequest{Limit: projections.MaxLimit, Order: projections.Ascending})
	check(t, err)
	v.metadata = page.Data
	return v, true
}

// asOfView reads one campaign as of an instant the way liveViews reads it live.
func asOfView(h *projections.History, a domain.AccountID, c domain.CampaignID, at time.Time) (liveView, error) {
	ctx := context.Background()
	var v liveView
	var err error
	if v.campaign, err = h.CampaignAsOf(ctx, a, c, at); err != nil {
		return v, err
	}
	if v.counters, err = h.CountersAsOf(ctx, a, c, at); err != nil {
		return v, err
	}
	if v.statistics, err = h.StatisticsAsOf(ctx, a, c, at); err != nil {
		return v, err
	}
	if v.campaigner, err = h.CampaignerStatsAsOf(ctx, a, c, at); err != nil {
		return v, err
	}
	page, err := h.ListCampaignDeviceMetadataAsOf(ctx, a, c, at, projections.ListRequest{Limit: projections.MaxLimit, Order: projections.Ascending})
	v.metadata = page.Data
	return v, err
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
