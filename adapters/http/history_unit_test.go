package http

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

func TestHistoryRequestReadsEveryParameter(t *testing.T) {
	for _, c := range []struct {
		name  string
		query string
		want  projections.HistoryRequest
	}{
		{"no parameter asks for the first 50", "", projections.HistoryRequest{Limit: 50}},
		{"the cursor is a position, either form", "after=12/9&limit=1",
			projections.HistoryRequest{Limit: 1, After: eventstore.Position{Commit: 12, Prepare: 9}}},
		{"a limit of zero is clamped to one", "limit=0", projections.HistoryRequest{Limit: 1}},
		{"a limit over a thousand is clamped to a thousand", "limit=1001", projections.HistoryRequest{Limit: 1000}},
		{"types are a comma-separated list", "type__in=DeviceEnrolled,+CampaignStopped",
			projections.HistoryRequest{Limit: 50, Types: []string{"DeviceEnrolled", "CampaignStopped"}}},
		{"the recorded span takes Pelion's date-times", "recorded_at__gte=2026-12-01T10:00:00Z&recorded_at__lte=20261202T100000Z&order=asc",
			projections.HistoryRequest{Limit: 50, From: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, _ := url.ParseQuery(c.query)
			got, err := historyRequest(q)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, got, cmp.Comparer(time.Time.Equal)); diff != "" {
				t.Errorf("request differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHistoryRequestNamesEachBadParameter(t *testing.T) {
	for _, c := range []struct {
		name, query, field string
	}{
		{"a limit that is no number", "limit=ten", "limit"},
		{"a cursor that is no position", "after=abc", "after"},
		{"a descending order", "order=DESC", "order"},
		{"a span bound that is no date-time", "recorded_at__lte=tomorrow", "recorded_at__lte"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, _ := url.ParseQuery(c.query)
			_, err := historyRequest(q)
			var invalid domain.InvalidError
			if !errors.As(err, &invalid) || invalid.Field != c.field {
				t.Errorf("error %v, want one naming %s", err, c.field)
			}
		})
	}
}
