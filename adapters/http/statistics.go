package http

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// StatisticsReads are the reads of a campaign's counters and statistics
// that the statistics, metrics and Campaigner routes answer from:
// *projections.Queries.
type StatisticsReads interface {
	CampaignCounters(ctx context.Context, account domain.AccountID, campaign domain.CampaignID) (projections.Counters, error)
	CampaignStatistics(ctx context.Context, account domain.AccountID, campaign domain.CampaignID) ([]projections.SummaryStatistic, error)
	CampaignStatistic(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, summary string) (projections.SummaryStatistic, error)
	CampaignEventTypes(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, summary string) ([]projections.EventTypeStatistic, error)
	// CampaignWaveCounters answers the counters of each rollout wave that
	// started a device, in wave order.
	CampaignWaveCounters(ctx context.Context, account domain.AccountID, campaign domain.CampaignID) ([]projections.WaveCounters, error)
	CampaignEventType(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, summary, eventType string) (projections.EventTypeStatistic, error)
	CampaignerStats(ctx context.Context, account domain.AccountID, campaign domain.CampaignID) (projections.CampaignerStats, error)
}

// summaryJSON is Pelion's campaign statistics summary: id is the summary
// (fail, success, info, skipped), summary_status its upper-case name.
type summaryJSON struct {
	Object        string    `json:"object"`
	ID            string    `json:"id"`
	CampaignID    string    `json:"campaign_id"`
	SummaryStatus string    `json:"summary_status"`
	Count         int64     `json:"count"`
	CreatedAt     time.Time `json:"created_at"`
}

func summaryObject(s projections.SummaryStatistic) summaryJSON {
	return summaryJSON{Object: "campaign-statistics", ID: s.SummaryStatus, CampaignID: string(s.CampaignID),
		SummaryStatus: strings.ToUpper(s.SummaryStatus), Count: s.Count, CreatedAt: utc(s.CreatedAt)}
}

// eventTypeJSON is Pelion's statistics event type: id is the event type
// in lower case, event_type as is (UPD4_FAIL_101).
type eventTypeJSON struct {
	Object          string    `json:"object"`
	ID              string    `json:"id"`
	CampaignID      string    `json:"campaign_id"`
	SummaryStatus   string    `json:"summary_status"`
	SummaryStatusID string    `json:"summary_status_id"`
	EventType       string    `json:"event_type"`
	Description     string    `json:"description"`
	Count           int64     `json:"count"`
	CreatedAt       time.Time `json:"created_at"`
}

func eventTypeObject(e projections.EventTypeStatistic) eventTypeJSON {
	return eventTypeJSON{Object: "event-type", ID: strings.ToLower(e.EventType), CampaignID: string(e.CampaignID),
		SummaryStatus: strings.ToUpper(e.SummaryStatus), SummaryStatusID: e.SummaryStatus, EventType: e.EventType,
		Description: e.Description, Count: e.Count, CreatedAt: utc(e.CreatedAt)}
}

// metricsJSON is Pelion's deprecated campaign metrics object.
type metricsJSON struct {
	Object string `json:"object"`
	projections.Metrics
}

// listStatistics answers a campaign's four summaries.
func (d Deps) listStatistics(w http.ResponseWriter, r *http.Request) {
	s, err := d.Statistics.CampaignStatistics(r.Context(), accountOf(r.Context()), campaignID(r))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, wholeList(s, summaryObject))
}

// getStatistic answers one summary of a campaign.
func (d Deps) getStatistic(w http.ResponseWriter, r *http.Request) {
	s, err := d.Statistics.CampaignStatistic(r.Context(), accountOf(r.Context()), campaignID(r), chi.URLParam(r, "summary"))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, summaryObject(s))
}

// listEventTypes answers the event types counted in one summary.
func (d Deps) listEventTypes(w http.ResponseWriter, r *http.Request) {
	e, err := d.Statistics.CampaignEventTypes(r.Context(), accountOf(r.Context()), campaignID(r), chi.URLParam(r, "summary"))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, wholeList(e, eventTypeObject))
}

// getEventType answers one event type of one summary.
func (d Deps) getEventType(w http.ResponseWriter, r *http.Request) {
	e, err := d.Statistics.CampaignEventType(r.Context(), accountOf(r.Context()), campaignID(r),
		chi.URLParam(r, "summary"), chi.URLParam(r, "event_type"))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, eventTypeObject(e))
}

// getMetrics answers Pelion's deprecated metrics: all devices, successful,
// failed (delivery failures and timeouts included), still pending or
// updating, skipped (or not affected).
func (d Deps) getMetrics(w http.ResponseWriter, r *http.Request) {
	account, id := accountOf(r.Context()), campaignID(r)
	if _, err := d.CampaignReads.Campaign(r.Context(), account, id); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	k, err := d.Statistics.CampaignCounters(r.Context(), account, id)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, metricsObject(k))
}

func metricsObject(k projections.Counters) metricsJSON {
	m := k.Metrics()
	m.At = utc(m.At)
	return metricsJSON{Object: "update-campaign-metrics", Metrics: m}
}
