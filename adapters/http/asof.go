package http

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// asOfHandler answers a request for a campaign's state as of an instant.
type asOfHandler func(w http.ResponseWriter, r *http.Request, at time.Time)

// asOf serves a campaign read with an as_of parameter (a date-time) from
// the campaign's history, computed from the events recorded up to that
// instant; without one, or with an instant still to come, the live read
// answers.
func (d Deps) asOf(past asOfHandler, live http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, given := r.URL.Query()["as_of"]
		if !given {
			live(w, r)
			return
		}
		at, err := projections.ParseDateTime(s[0])
		if err != nil || len(s) > 1 {
			reason := "must be one date-time"
			if err != nil {
				reason = err.Error()
			}
			writeError(w, r, d.Log, domain.InvalidError{Field: "as_of", Reason: reason})
			return
		}
		switch {
		case at.After(time.Now()):
			live(w, r)
		case d.History == nil:
			writeError(w, r, d.Log, domain.NotFoundError{Object: "route", ID: r.Method + " " + r.URL.Path + "?as_of"})
		default:
			past(w, r, at)
		}
	}
}

// getCampaignAsOf answers a campaign as it was at an instant.
func (d Deps) getCampaignAsOf(w http.ResponseWriter, r *http.Request, at time.Time) {
	c, err := d.History.CampaignAsOf(r.Context(), accountOf(r.Context()), campaignID(r), at)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, campaignObject(c))
}

// listCampaignDeviceMetadataAsOf answers a page of a campaign's per-device
// records as they were at an instant.
func (d Deps) listCampaignDeviceMetadataAsOf(w http.ResponseWriter, r *http.Request, at time.Time) {
	req, err := projections.ParseListRequest(r.URL.Query())
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	page, err := d.History.ListCampaignDeviceMetadataAsOf(r.Context(), accountOf(r.Context()), campaignID(r), at, req)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, listOf(page, metadataObject))
}

// getCampaignerStatsAsOf answers Campaigner's statistics as they were at
// an instant.
func (d Deps) getCampaignerStatsAsOf(w http.ResponseWriter, r *http.Request, at time.Time) {
	id, err := v2CampaignID(r)
	var s projections.CampaignerStats
	if err == nil {
		s, err = d.History.CampaignerStatsAsOf(r.Context(), accountOf(r.Context()), id, at)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, campaignerStatsObject(s))
}

// getMetricsAsOf answers Pelion's metrics as they were at an instant.
func (d Deps) getMetricsAsOf(w http.ResponseWriter, r *http.Request, at time.Time) {
	k, err := d.History.CountersAsOf(r.Context(), accountOf(r.Context()), campaignID(r), at)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, metricsObject(k))
}

// statisticsAsOf reads a campaign's statistics as of an instant and hands
// them to answer.
func (d Deps) statisticsAsOf(answer func(w http.ResponseWriter, r *http.Request, s projections.StatisticsAsOf)) asOfHandler {
	return func(w http.ResponseWriter, r *http.Request, at time.Time) {
		s, err := d.History.StatisticsAsOf(r.Context(), accountOf(r.Context()), campaignID(r), at)
		if err != nil {
			writeError(w, r, d.Log, err)
			return
		}
		answer(w, r, s)
	}
}

// listStatisticsAsOf answers a campaign's four summaries as of an instant.
func (d Deps) listStatisticsAsOf(w http.ResponseWriter, _ *http.Request, s projections.StatisticsAsOf) {
	writeJSON(w, http.StatusOK, wholeList(s.Summaries, summaryObject))
}

// getStatisticAsOf answers one summary as of an instant.
func (d Deps) getStatisticAsOf(w http.ResponseWriter, r *http.Request, s projections.StatisticsAsOf) {
	if sum, ok := d.summaryOf(w, r, s); ok {
		writeJSON(w, http.StatusOK, summaryObject(sum))
	}
}

// listEventTypesAsOf answers a summary's event types as of an instant.
func (d Deps) listEventTypesAsOf(w http.ResponseWriter, r *http.Request, s projections.StatisticsAsOf) {
	if sum, ok := d.summaryOf(w, r, s); ok {
		writeJSON(w, http.StatusOK, wholeList(eventTypesOf(s, sum.SummaryStatus, ""), eventTypeObject))
	}
}

// getEventTypeAsOf answers one event type of a summary as of an instant.
func (d Deps) getEventTypeAsOf(w http.ResponseWriter, r *http.Request, s projections.StatisticsAsOf) {
	sum, ok := d.summaryOf(w, r, s)
	if !ok {
		return
	}
	want := chi.URLParam(r, "event_type")
	if e := eventTypesOf(s, sum.SummaryStatus, want); len(e) == 1 {
		writeJSON(w, http.StatusOK, eventTypeObject(e[0]))
		return
	}
	writeError(w, r, d.Log, domain.NotFoundError{Object: "statistics event type", ID: want})
}

// summaryOf finds the route's summary, or answers not found.
func (d Deps) summaryOf(w http.ResponseWriter, r *http.Request, s projections.StatisticsAsOf) (projections.SummaryStatistic, bool) {
	want := chi.URLParam(r, "summary")
	for _, sum := range s.Summaries {
		if strings.EqualFold(sum.SummaryStatus, want) {
			return sum, true
		}
	}
	writeError(w, r, d.Log, domain.NotFoundError{Object: "statistics summary", ID: want})
	return projections.SummaryStatistic{}, false
}

// eventTypesOf keeps a summary's event types; with eventType, only that
// one (matched case-insensitively, as the live route does).
func eventTypesOf(s projections.StatisticsAsOf, summary, eventType string) []projections.EventTypeStatistic {
	out := []projections.EventTypeStatistic{}
	for _, e := range s.EventTypes {
		if e.SummaryStatus == summary && (eventType == "" || strings.EqualFold(e.EventType, eventType)) {
			out = append(out, e)
		}
	}
	return out
}

// getCampaignDeviceMetadataAsOf answers one per-device record of a
// campaign as it was at an instant: the list as of then, narrowed to the
// record's id. A record the campaign had not made by then is not found.
func (d Deps) getCampaignDeviceMetadataAsOf(w http.ResponseWriter, r *http.Request, at time.Time) {
	id := chi.URLParam(r, "metadata_id")
	req := projections.ListRequest{Limit: projections.MinLimit, Order: projections.Ascending,
		Filter: projections.Filter{{Field: "id", Op: projections.OpEq, Value: id}}}
	page, err := d.History.ListCampaignDeviceMetadataAsOf(r.Context(), accountOf(r.Context()), campaignID(r), at, req)
	if err == nil && len(page.Data) != 1 {
		err = domain.NotFoundError{Object: "campaign device metadata", ID: id}
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, metadataObject(page.Data[0]))
}
