package api_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// pagedCampaign is one campaign of the paging test, as it was seeded.
type pagedCampaign struct {
	id, name, status string
	created          time.Time
	failed           bool
}

// The list pages through thousands of campaigns with each of its
// parameters: every campaign matching once, in the order asked for, with
// the matching total on every page; retry campaigns are not listed.
func TestCampaignerListPagesThroughThousands(t *testing.T) {
	const n = 2500
	a := newAPI(t)
	all := seedPagedCampaigns(t, a, n)
	newest := func(x, y pagedCampaign) int { return y.created.Compare(x.created) }
	byName := func(x, y pagedCampaign) int { return cmp.Compare(x.name, y.name) }
	for _, tc := range []struct {
		query string
		limit int
		keep  func(pagedCampaign) bool
		order func(x, y pagedCampaign) int
	}{
		{"", 1000, nil, newest},
		{"sortBy=createdAt", 700, nil, newest},
		{"sortBy=name", 1000, nil, byName},
		{"status=launched", 200, func(c pagedCampaign) bool { return c.status == "launched" }, newest},
		{"status=finished&sortBy=name", 300, func(c pagedCampaign) bool { return c.status == "finished" }, byName},
		{"nameContains=" + url.QueryEscape("campaign 1"), 400, func(c pagedCampaign) bool { return strings.Contains(c.name, "campaign 1") }, newest},
		{"status=cancelled&nameContains=" + url.QueryEscape("campaign 2") + "&sortBy=name", 50,
			func(c pagedCampaign) bool { return c.status == "cancelled" && strings.Contains(c.name, "campaign 2") }, byName},
		{"withErrors=true", 3, func(c pagedCampaign) bool { return c.failed }, newest},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var want []string
			for _, c := range slices.SortedStableFunc(slices.Values(all), tc.order) {
				if tc.keep == nil || tc.keep(c) {
					want = append(want, c.id)
				}
			}
			if got := pageThrough(t, a, tc.query, tc.limit, len(want)); !gocmp.Equal(want, got) {
				t.Errorf("paged %d campaigns, want %d (-want +got):\n%s", len(got), len(want), gocmp.Diff(want, got))
			}
		})
	}
	counts := map[string]float64{"prepared": 0, "launched": 0, "finished": 0, "cancelled": 0}
	for _, c := range all {
		counts[c.status]++
	}
	counts["launched"]++ // the retry campaign is counted, though not listed
	if got := countsOf(t, a); !gocmp.Equal(got, counts) {
		t.Errorf("counts %v, want %v", got, counts)
	}
}

// pageThrough reads the list with query page after page of limit and
// returns the ids, checking each page's total, offset and limit.
func pageThrough(t *testing.T, a *api, query string, limit, total int) []string {
	t.Helper()
	got := []string{}
	for offset := 0; offset <= total; offset += limit { // bounded: a page that ignores offset must not loop forever
		page := apitest.Object(t, a.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v2/campaigns?%s&offset=%d&limit=%d", query, offset, limit), nil))
		if page["total"] != float64(total) || page["limit"] != float64(limit) || page["offset"] != float64(offset) {
			t.Fatalf("page at %d: total %v limit %v offset %v, want total %d", offset, page["total"], page["limit"], page["offset"], total)
		}
		for _, v := range page["values"].([]any) {
			got = append(got, v.(map[string]any)["id"].(string))
		}
	}
	return got
}

// seedPagedCampaigns appends, in one append, n campaigns of acme a
// second apart whose names are not in creation order: by i%4 prepared,
// launched, finished or cancelled; every 250th with a failed device;
// and a retry campaign of the first. It returns the n campaigns.
func seedPagedCampaigns(t *testing.T, a *api, n int) []pagedCampaign {
	t.Helper()
	a.Must(http.StatusAccepted, "POST", "/v3/devices/bulk", map[string]any{"devices": []any{map[string]any{"id": "dx"}}})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var requests []eventstore.AppendRequest
	var device []domain.Event
	var out []pagedCampaign
	for i := range n {
		u := uuid.New()
		id, at := domain.CampaignID(fmt.Sprintf("%x", u[:])), start.Add(time.Duration(i)*time.Second)
		c := pagedCampaign{id: u.String(), name: fmt.Sprintf("campaign %04d", (i*7)%n), created: at, failed: i%250 == 0}
		events := []domain.Event{created(id, c.name, "", at)}
		switch i % 4 {
		case 0:
			c.status = "prepared"
		case 1:
			c.status = "launched"
			events = append(events, domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: at})
		case 2:
			c.status = "finished"
			events = append(events, domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: at},
				domain.CampaignStopped{State: domain.StateDeployed, At: at})
		case 3:
			c.status = "cancelled"
			events = append(events, domain.CampaignStopped{State: domain.StateUserStopped, At: at})
		}
		if c.failed {
			device = append(device, domain.DeviceEnrolled{CampaignID: id, ManifestID: "m1", At: at},
				domain.DeviceUpdateStateChanged{CampaignID: id, From: domain.UpdatePending, To: domain.UpdateFailed, ResultCode: 13, At: at})
		}
		requests = append(requests, appendOf(t, domain.CampaignStream(id), eventstore.NoStream, events...))
		out = append(out, c)
	}
	retry := domain.CampaignID(strings.Repeat("f", 32))
	requests = append(requests, appendOf(t, domain.CampaignStream(retry), eventstore.NoStream,
		created(retry, "retry", campaignOf(out[0].id), start.Add(time.Hour)), domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: start.Add(time.Hour)}),
		appendOf(t, domain.DeviceStream("acme", "dx"), eventstore.Any, device...))
	res, err := a.store.AppendMulti(context.Background(), requests)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.wait(ctx, res[len(res)-1].Position); err != nil {
		t.Fatal(err)
	}
	return out
}

// created is the creation of one of acme's campaigns; a retry campaign
// when main is set.
func created(id domain.CampaignID, name string, main domain.CampaignID, at time.Time) domain.CampaignCreated {
	e := domain.CampaignCreated{CampaignID: id, AccountID: "acme", CampaignName: name, ManifestID: "m1",
		DeviceFilter: "state__eq=registered", Strategy: "one-shot", Autostop: true, AutostopSuccessPercent: 100, At: at}
	if main != "" {
		e.MainCampaignID, e.FailureCode, e.Devices = main, "13", []domain.DeviceID{"dx"}
	}
	return e
}

// appendOf is an append of events to stream, as acme's.
func appendOf(t *testing.T, stream string, expected eventstore.ExpectedRevision, events ...domain.Event) eventstore.AppendRequest {
	t.Helper()
	req := eventstore.AppendRequest{Stream: stream, Expected: expected}
	for _, e := range events {
		name, data, err := domain.EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		req.Events = append(req.Events, eventstore.EventData{ID: uuid.New(), Type: name, Data: data, Metadata: eventstore.Metadata{AccountID: "acme"}})
	}
	return req
}
