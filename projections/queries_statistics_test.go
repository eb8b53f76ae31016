package projections_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

func testStatisticsQueries(t *testing.T, q *projections.Queries) {
	ctx := testCtx(t)
	k, err := q.CampaignCounters(ctx, acme, "k2")
	if err != nil {
		t.Fatal(err)
	}
	want := projections.Counters{CampaignID: "k2", Targeted: 7, Pending: 1, Skipped: 2, FailedConnectorChannelUpdate: 1,
		Deployed: 1, Failed: 1, TimedOut: 1, Processed: 7, Affected: 5, Completed: 1, FailedTotal: 3, Finished: 4, UpdatedAt: k.UpdatedAt}
	if diff := cmp.Diff(want, k); diff != "" {
		t.Errorf("counters (-want +got):\n%s", diff)
	}
	if _, err := q.CampaignCounters(ctx, other, "k2"); !isNotFound(err) {
		t.Errorf("another account's counters: err = %v", err)
	}
	summaries, err := q.CampaignStatistics(ctx, acme, "k2")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, s := range summaries {
		got[s.SummaryStatus] = s.Count
	}
	if diff := cmp.Diff(map[string]int64{"success": 1, "fail": 3, "skipped": 2, "info": 5}, got); diff != "" {
		t.Errorf("summaries (-want +got):\n%s", diff)
	}
	if s, err := q.CampaignStatistic(ctx, acme, "k2", "fail"); err != nil || s.Count != 3 {
		t.Errorf("fail summary = %+v, %v", s, err)
	}
	if _, err := q.CampaignStatistic(ctx, acme, "k2", "bogus"); !isNotFound(err) {
		t.Errorf("unknown summary: err = %v", err)
	}
	types, err := q.CampaignEventTypes(ctx, acme, "k2", "fail")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(types, func(e projections.EventTypeStatistic) string { return fmt.Sprintf("%s=%d", e.EventType, e.Count) }); !slices.Equal(got, []string{"SYS_111=1", "SYS_120=1", "UPD4_FAIL_101=1"}) {
		t.Errorf("fail event types = %v", got)
	}
	if e, err := q.CampaignEventType(ctx, acme, "k2", "fail", "upd4_fail_101"); err != nil || e.Count != 1 || e.Description == "" {
		t.Errorf("event type = %+v, %v", e, err)
	}
	if _, err := q.CampaignStatistics(ctx, other, "k2"); !isNotFound(err) {
		t.Errorf("another account's statistics: err = %v", err)
	}
	stats, err := q.CampaignerStats(ctx, acme, "k2")
	if err != nil {
		t.Fatal(err)
	}
	wantStats := projections.CampaignerStats{Campaign: "k2", Status: domain.CampaignLaunched, Processed: 7, Affected: 5,
		Finished: 4, Failed: 3, Successful: 1, Failures: []projections.FailureCount{
			{Code: "101", Count: 1, RetryStatus: projections.RetryNotLaunched}, {Code: projections.FailureAssignUpdate, Count: 1, RetryStatus: projections.RetryNotLaunched},
			{Code: projections.FailureDeviceUpdateProcess, Count: 1, RetryStatus: projections.RetryNotLaunched}}}
	if diff := cmp.Diff(wantStats, stats); diff != "" {
		t.Errorf("Campaigner stats (-want +got):\n%s", diff)
	}
}

func testMetadataQueries(t *testing.T, q *projections.Queries) {
	ctx := testCtx(t)
	list := func(query string) projections.Page[projections.DeviceMetadata] {
		t.Helper()
		v, _ := url.ParseQuery(query)
		req, err := projections.ParseListRequest(v)
		if err != nil {
			t.Fatal(err)
		}
		p, err := q.ListCampaignDeviceMetadata(ctx, acme, "k2", req)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return p
	}
	devices := func(p projections.Page[projections.DeviceMetadata]) []domain.DeviceID {
		return ids(p.Data, func(m projections.DeviceMetadata) domain.DeviceID { return m.DeviceID })
	}
	p := list("limit=3&include=total_count")
	if got := devices(p); !slices.Equal(got, []domain.DeviceID{"d01", "d02", "d03"}) || !p.HasMore || p.TotalCount == nil || *p.TotalCount != 7 {
		t.Errorf("first page = %v has_more %v total %v", got, p.HasMore, p.TotalCount)
	}
	p = list("limit=3&after=" + p.Data[2].ID)
	if got := devices(p); !slices.Equal(got, []domain.DeviceID{"d04", "d05", "d06"}) || !p.HasMore {
		t.Errorf("second page = %v has_more %v", got, p.HasMore)
	}
	p = list("deployment_state__eq=updated_connector_channel&include=total_count")
	if got := devices(p); !slices.Equal(got, []domain.DeviceID{"d02", "d05"}) || *p.TotalCount != 2 {
		t.Errorf("updated_connector_channel = %v total %v", got, *p.TotalCount)
	}
	m, err := q.CampaignDeviceMetadata(ctx, acme, "k2", projections.MetadataID("k2", "d02"))
	if err != nil {
		t.Fatal(err)
	}
	if m.DeviceID != "d02" || m.DeploymentState != "updated_connector_channel" || m.UpdateState != domain.UpdateFailed ||
		m.ResultCode == nil || *m.ResultCode != 101 || m.CampaignerStatus != "failed" || m.Name != "name of d02" || m.Mechanism != "connector" {
		t.Errorf("metadata of d02 = %+v", m)
	}
	if m, _ := q.CampaignDeviceMetadata(ctx, acme, "k2", projections.MetadataID("k2", "d06")); m.SkipReason != domain.SkipAlreadyUpdated || m.DeploymentState != "pending" {
		t.Errorf("metadata of d06 = %+v", m)
	}
	if _, err := q.CampaignDeviceMetadata(ctx, other, "k2", projections.MetadataID("k2", "d02")); !isNotFound(err) {
		t.Errorf("another account's metadata: err = %v", err)
	}
	if _, err := q.ListCampaignDeviceMetadata(ctx, other, "k2", projections.ListRequest{Limit: 10}); !isNotFound(err) {
		t.Errorf("another account's metadata list: err = %v", err)
	}
}

func testManifestQueries(t *testing.T, q *projections.Queries) {
	ctx := testCtx(t)
	m, err := q.Manifest(ctx, acme, "m1")
	if err != nil || m.DeviceClass != "c1" || m.DeliveredPayloadType != domain.PayloadFull || m.Datafile != "https://fw.example/m1.manifest" {
		t.Errorf("m1 = %+v, %v", m, err)
	}
	for _, id := range []domain.ManifestID{"m2", "m9"} {
		if _, err := q.Manifest(ctx, acme, id); !isNotFound(err) {
			t.Errorf("manifest %s: err = %v, want not found", id, err)
		}
	}
	page, err := q.ListManifests(ctx, acme, projections.ListRequest{Limit: 10, Order: projections.Ascending, IncludeTotal: true})
	if got := ids(page.Data, func(m projections.Manifest) domain.ManifestID { return m.ID }); err != nil || !slices.Equal(got, []domain.ManifestID{"m1"}) || *page.TotalCount != 1 {
		t.Errorf("manifests = %v, %v", got, err)
	}
}
