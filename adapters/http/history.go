package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// HistoryReads answers auditors: campaigns' and devices' event histories,
// and a campaign's state as of an instant (projections.History in the
// service). Each method is scoped to the account: another account's
// campaign or device is domain.NotFoundError.
type HistoryReads interface {
	CampaignHistory(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, req projections.HistoryRequest) (projections.HistoryPage, error)
	DeviceHistory(ctx context.Context, account domain.AccountID, device domain.DeviceID, req projections.HistoryRequest) (projections.HistoryPage, error)
	CampaignAsOf(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, at time.Time) (projections.Campaign, error)
	CountersAsOf(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, at time.Time) (projections.Counters, error)
	StatisticsAsOf(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, at time.Time) (projections.StatisticsAsOf, error)
	CampaignerStatsAsOf(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, at time.Time) (projections.CampaignerStats, error)
	ListCampaignDeviceMetadataAsOf(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, at time.Time,
		req projections.ListRequest) (projections.Page[projections.DeviceMetadata], error)
}

// HistoryEntry is one entry of a history as the API answers it: a stored
// event with where and when it was recorded and its metadata. It is
// exported for cmd/updatectl, which reads this shape.
type HistoryEntry struct {
	Object        string          `json:"object"`
	Type          string          `json:"type"`
	Data          json.RawMessage `json:"data"`
	Stream        string          `json:"stream"`
	Revision      uint64          `json:"revision"`
	Position      string          `json:"position"`
	RecordedAt    time.Time       `json:"recorded_at"`
	AccountID     string          `json:"account_id"`
	CorrelationID string          `json:"correlation_id"`
	CausationID   string          `json:"causation_id"`
}

func eventObject(rec eventstore.RecordedEvent) HistoryEntry {
	data := json.RawMessage(rec.Data)
	if !json.Valid(data) {
		data, _ = json.Marshal(string(rec.Data)) // never break the page for one event's body
	}
	return HistoryEntry{Object: "update-event", Type: rec.Type, Data: data, Stream: rec.Stream, Revision: rec.Revision,
		Position: rec.Position.String(), RecordedAt: utc(rec.Created), AccountID: rec.Metadata.AccountID,
		CorrelationID: rec.Metadata.CorrelationID, CausationID: rec.Metadata.CausationID}
}

// historyRequest reads a history page's parameters: type__in (event type
// names, comma-separated), recorded_at__gte and recorded_at__lte
// (date-times), limit (default 50, clamped into 1 to 1000), after (the position of the
// last entry seen) and order (ASC only: a history reads forwards).
func historyRequest(q url.Values) (projections.HistoryRequest, error) {
	req := projections.HistoryRequest{Limit: projections.DefaultLimit}
	var problems []error
	if s := q.Get("limit"); s != "" {
		n, err := projections.ParseLimit(s, 1)
		problems = append(problems, err)
		req.Limit = n
	}
	if s := q.Get("after"); s != "" {
		p, err := eventstore.ParsePosition(s)
		if err != nil {
			problems = append(problems, domain.InvalidError{Field: "after", Reason: err.Error()})
		}
		req.After = p
	}
	if o := q.Get("order"); o != "" && !strings.EqualFold(o, string(projections.Ascending)) {
		problems = append(problems, domain.InvalidError{Field: "order", Reason: fmt.Sprintf("%q: a history is listed ASC only", o)})
	}
	for _, s := range strings.Split(q.Get("type__in"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			problems = append(problems, domain.CheckText("type__in", s, maxPathParam, false))
			req.Types = append(req.Types, s)
		}
	}
	for _, bound := range []struct {
		field string
		t     *time.Time
	}{{"recorded_at__gte", &req.From}, {"recorded_at__lte", &req.To}} {
		if s := q.Get(bound.field); s != "" {
			v, err := projections.ParseDateTime(s)
			if err != nil {
				problems = append(problems, domain.InvalidError{Field: bound.field, Reason: err.Error()})
			}
			*bound.t = v
		}
	}
	return req, errors.Join(problems...)
}

// historyList renders a history page as Pelion's page object.
func historyList(p projections.HistoryPage, req projections.HistoryRequest, after string) listObject[HistoryEntry] {
	page := projections.Page[eventstore.RecordedEvent]{Data: p.Data, HasMore: p.HasMore, Limit: req.Limit,
		After: after, Order: projections.Ascending}
	return listOf(page, eventObject)
}

// listCampaignEvents answers a page of a campaign's history: its stream's
// events and its devices' events that name it, in the global order.
func (d Deps) listCampaignEvents(w http.ResponseWriter, r *http.Request) {
	d.listEvents(w, r, func(ctx context.Context, account domain.AccountID, req projections.HistoryRequest) (projections.HistoryPage, error) {
		return d.History.CampaignHistory(ctx, account, campaignID(r), req)
	})
}

// listDeviceEvents answers a page of a device's history: its stream's
// events, for every campaign it was in.
func (d Deps) listDeviceEvents(w http.ResponseWriter, r *http.Request) {
	d.listEvents(w, r, func(ctx context.Context, account domain.AccountID, req projections.HistoryRequest) (projections.HistoryPage, error) {
		return d.History.DeviceHistory(ctx, account, deviceID(r), req)
	})
}

// listEvents answers the page of a history that read gives for the
// request's parameters.
func (d Deps) listEvents(w http.ResponseWriter, r *http.Request,
	read func(context.Context, domain.AccountID, projections.HistoryRequest) (projections.HistoryPage, error)) {
	if d.History == nil {
		writeError(w, r, d.Log, domain.NotFoundError{Object: "route", ID: r.Method + " " + r.URL.Path})
		return
	}
	req, err := historyRequest(r.URL.Query())
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	p, err := read(r.Context(), accountOf(r.Context()), req)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, historyList(p, req, r.URL.Query().Get("after")))
}
