package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/domain"
)

// campaignWithOutcomes creates a campaign over ten devices and records, as
// the engine and the devices would, every kind of outcome: d00 deployed,
// d01 and d02 failed with 101, d03 not reached, d04 silent, d05 and d06
// pending, d07 and d08 skipped; d09 is not in the campaign.
func campaignWithOutcomes(t *testing.T, a *api) string {
	m := a.manifest("class-1")
	var devices []map[string]any
	for i := range 10 {
		devices = append(devices, map[string]any{"id": fmt.Sprintf("d%02d", i), "device_class": "class-1"})
	}
	a.Must(http.StatusAccepted, "POST", "/v3/devices/bulk", map[string]any{"devices": devices})
	id := a.campaign("outcomes", m)["id"].(string)
	c := domain.CampaignID(id)
	now := time.Now()
	step := func(from, to domain.UpdateState, code int) domain.Event {
		return domain.DeviceUpdateStateChanged{CampaignID: c, From: from, To: to, ResultCode: code, At: now}
	}
	enrolled := domain.DeviceEnrolled{CampaignID: c, ManifestID: domain.ManifestID(m), At: now}
	const (
		pending, scheduled, delivered = domain.UpdatePending, domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel
	)
	a.engine("acme", "d00", enrolled, step(pending, scheduled, 0), step(scheduled, delivered, 0), step(delivered, domain.UpdateDeployed, 0))
	a.engine("acme", "d01", enrolled, step(pending, scheduled, 0), step(scheduled, delivered, 0),
		step(delivered, domain.UpdateDownloading, 0), step(domain.UpdateDownloading, domain.UpdateFailed, 101))
	a.engine("acme", "d02", enrolled, step(pending, scheduled, 0), step(scheduled, delivered, 0), step(delivered, domain.UpdateFailed, 101))
	a.engine("acme", "d03", enrolled, step(pending, scheduled, 0), step(scheduled, domain.UpdateFailedConnectorChannelUpdate, 0))
	a.engine("acme", "d04", enrolled, step(pending, scheduled, 0), step(scheduled, delivered, 0), step(delivered, domain.UpdateTimedOut, 0))
	a.engine("acme", "d05", enrolled)
	a.engine("acme", "d06", enrolled)
	a.engine("acme", "d07", domain.DeviceSkipped{CampaignID: c, Reason: domain.SkipAlreadyUpdated, At: now})
	a.engine("acme", "d08", domain.DeviceSkipped{CampaignID: c, Reason: domain.SkipDeviceClassMismatch, At: now})
	return id
}

func TestCampaignDeviceMetadataPages(t *testing.T) {
	a := newAPI(t)
	id := campaignWithOutcomes(t, a)
	base := "/v3/update-campaigns/" + id + "/campaign-device-metadata"
	p := apitest.PageOf(t, a.Must(http.StatusOK, "GET", base+"?limit=3&include=total_count", nil))
	var all []string
	for {
		all = append(all, p.IDs("device_id")...)
		for _, m := range p.Data {
			if !slices.Contains([]string{"pending", "updated_connector_channel", "failed_connector_channel_update", "deployed", "manifestremoved", "deregistered"}, m["deployment_state"].(string)) {
				t.Errorf("deployment_state outside Pelion's six: %v", m)
			}
		}
		if !p.HasMore {
			break
		}
		p = apitest.PageOf(t, a.Must(http.StatusOK, "GET", base+"?limit=3&after="+p.Data[len(p.Data)-1]["id"].(string), nil))
	}
	if want := []string{"d00", "d01", "d02", "d03", "d04", "d05", "d06", "d07", "d08"}; !slices.Equal(all, want) {
		t.Errorf("paged through %v, want %v", all, want)
	}
	first := apitest.PageOf(t, a.Must(http.StatusOK, "GET", base+"?limit=3&include=total_count", nil))
	if first.TotalCount == nil || *first.TotalCount != 9 {
		t.Errorf("total_count = %v", first.TotalCount)
	}
	failed := apitest.Object(t, a.Must(http.StatusOK, "GET", base+"/"+first.Data[1]["id"].(string), nil))
	want := map[string]any{"object": "update-campaign-device-metadata", "campaign": id, "device_id": "d01",
		"deployment_state": "updated_connector_channel", "update_state": "failed", "campaigner_status": "failed",
		"result_code": 101.0, "skip_reason": nil, "mechanism": "connector", "attempts": 1.0}
	for k, v := range want {
		if failed[k] != v {
			t.Errorf("d01 %s = %v, want %v", k, failed[k], v)
		}
	}
	if got := apitest.PageOf(t, a.Must(http.StatusOK, "GET", base+"?update_state__eq=skipped", nil)); !slices.Equal(got.IDs("skip_reason"), []string{"already_updated", "device_class_mismatch"}) {
		t.Errorf("skipped = %v", got.IDs("skip_reason"))
	}
	if p := apitest.PageOf(t, a.Must(http.StatusOK, "GET", base+"?limit=5000", nil)); p.Limit != 1000 {
		t.Errorf("limit=5000: page limit %d, want 1000", p.Limit)
	}
	apitest.ErrorOf(t, a.Call("GET", base+"/nope", acmeKey, nil), http.StatusNotFound)
}

func TestCampaignStatistics(t *testing.T) {
	a := newAPI(t)
	id := campaignWithOutcomes(t, a)
	base := "/v3/update-campaigns/" + id
	p := apitest.PageOf(t, a.Must(http.StatusOK, "GET", base+"/statistics", nil))
	counts := map[string]float64{}
	for _, s := range p.Data {
		counts[s["id"].(string)] = s["count"].(float64)
		if s["object"] != "campaign-statistics" || s["campaign_id"] != id {
			t.Errorf("summary = %v", s)
		}
	}
	if diff := cmp.Diff(map[string]float64{"success": 1, "fail": 4, "skipped": 2, "info": 7}, counts); diff != "" {
		t.Errorf("summaries (-want +got):\n%s", diff)
	}
	fail := apitest.Object(t, a.Must(http.StatusOK, "GET", base+"/statistics/fail", nil))
	if fail["summary_status"] != "FAIL" || fail["count"] != 4.0 {
		t.Errorf("fail = %v", fail)
	}
	types := apitest.PageOf(t, a.Must(http.StatusOK, "GET", base+"/statistics/fail/event_types", nil))
	var got []string
	for _, e := range types.Data {
		got = append(got, fmt.Sprintf("%s=%v", e["event_type"], e["count"]))
	}
	if want := []string{"SYS_111=1", "SYS_120=1", "UPD4_FAIL_101=2"}; !slices.Equal(got, want) {
		t.Errorf("fail event types = %v, want %v", got, want)
	}
	one := apitest.Object(t, a.Must(http.StatusOK, "GET", base+"/statistics/fail/event_types/upd4_fail_101", nil))
	if one["id"] != "upd4_fail_101" || one["event_type"] != "UPD4_FAIL_101" || one["summary_status_id"] != "fail" || one["count"] != 2.0 {
		t.Errorf("event type = %v", one)
	}
	apitest.ErrorOf(t, a.Call("GET", base+"/statistics/nope", acmeKey, nil), http.StatusNotFound)
	metrics := apitest.Object(t, a.Must(http.StatusOK, "GET", base+"/metrics", nil))
	if diff := cmp.Diff(map[string]any{"object": "update-campaign-metrics", "total_count": 9.0, "success_count": 1.0,
		"failed_count": 4.0, "pending_count": 2.0, "skipped_count": 2.0, "created_at": metrics["created_at"]}, metrics); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
}

func TestCampaignerStats(t *testing.T) {
	a := newAPI(t)
	id := campaignWithOutcomes(t, a)
	var got map[string]any
	if err := json.Unmarshal(a.Must(http.StatusOK, "GET", "/api/v2/campaigns/"+id+"/stats", nil).Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	failure := func(code string, n float64) map[string]any {
		return map[string]any{"code": code, "count": n, "retryStatus": "not_launched"}
	}
	want := map[string]any{"campaign": uuid.MustParse(id).String(), "status": "prepared", "processed": 9.0, "affected": 7.0, "cancelled": 0.0,
		"finished": 5.0, "failed": 4.0, "successful": 1.0, "failures": []any{
			failure("101", 2), failure("ASSIGN_UPDATE_FAILED", 1), failure("DEVICE_UPDATE_PROCESS_FAILED", 1)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}
