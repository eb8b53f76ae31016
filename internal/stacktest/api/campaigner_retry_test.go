package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/domain"
)

// A retry campaign of one failure code on the whole stack: M's devices
// d1 d2 d4 d5 d6 end successful, failed INSTALL_FAILED (a Director's text
// code) twice, failed 13 (a result code), failed INSTALL_FAILED; the
// retry of INSTALL_FAILED takes d2 d4 d6, where d2 succeeds, d6 fails 14 and
// d4 is cancelled with the retry campaign. Each step's stats are the
// Campaigner's formulas worked by hand; asked for as of each step's
// instant afterwards, the stats are what that step read.
func TestRetryFailedOnTheStack(t *testing.T) {
	a := newAPI(t)
	manifest, update := campaignerWorld(t, a)
	a.Must(http.StatusAccepted, "POST", "/v3/devices/bulk", map[string]any{"devices": []any{
		map[string]any{"id": "d4", "device_class": "class-1", "groups": []string{"lab"}},
		map[string]any{"id": "d5", "device_class": "class-1", "groups": []string{"lab"}},
		map[string]any{"id": "d6", "device_class": "class-1", "groups": []string{"lab"}},
	}})
	id := v2Campaign(t, a, "lab rollout", update, "lab")
	path := "/api/v2/campaigns/" + id
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/retry-failed", acmeKey, map[string]any{"failureCode": "INSTALL_FAILED"}), http.StatusConflict, "conflicting_entity")
	a.Must(http.StatusOK, "POST", path+"/launch", nil)

	m := campaignOf(id)
	ends(a, m, manifest, "d1", domain.UpdateDeployed, "")
	ends(a, m, manifest, "d2", domain.UpdateFailed, "INSTALL_FAILED")
	ends(a, m, manifest, "d4", domain.UpdateFailed, "INSTALL_FAILED")
	ends(a, m, manifest, "d5", domain.UpdateFailed, "13")
	ends(a, m, manifest, "d6", domain.UpdateFailed, "INSTALL_FAILED")
	var seen []statsThen
	seen = append(seen, checkStats(t, a, id, "launched", [6]float64{5, 5, 0, 5, 4, 1}, failure("13", 1, "not_launched"), failure("INSTALL_FAILED", 3, "not_launched")))
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/retry-failed", acmeKey, map[string]any{"failureCode": "99"}), http.StatusPreconditionFailed, "missing_failed_devices")

	retry := jsonString(t, a.Must(http.StatusCreated, "POST", path+"/retry-failed", map[string]any{"failureCode": "INSTALL_FAILED"}).Body.Bytes())
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/retry-failed", acmeKey, map[string]any{"failureCode": "INSTALL_FAILED"}), http.StatusConflict, "campaign_already_exists")
	got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/api/v2/campaigns/"+retry, nil))
	want := map[string]any{"namespace": "acme", "id": retry, "name": "retryCampaignWith-mainCampaign-" + id + "-failureCode-INSTALL_FAILED",
		"update": update, "status": "launched", "createdAt": got["createdAt"], "updatedAt": got["updatedAt"], "mainCampaignId": id,
		"failureCode": "INSTALL_FAILED", "autoAccept": true, "groups": []any{}, "retryCampaignIds": []any{}, "metadata": []any{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the retry campaign (-want +got):\n%s", diff)
	}
	if got := apitest.Object(t, a.Must(http.StatusOK, "GET", path, nil))["retryCampaignIds"]; !cmp.Equal(got, []any{retry}) {
		t.Errorf("the main campaign's retryCampaignIds %v, want [%s]", got, retry)
	}
	if list := apitest.Object(t, a.Must(http.StatusOK, "GET", "/api/v2/campaigns", nil)); list["total"] != 1.0 {
		t.Errorf("the list %v, want only the main campaign", list)
	}
	seen = append(seen, checkStats(t, a, id, "launched", [6]float64{5, 5, 0, 5, 4, 1}, failure("13", 1, "not_launched"), failure("INSTALL_FAILED", 3, "launched")))

	r := campaignOf(retry)
	ends(a, r, manifest, "d2", domain.UpdateDeployed, "")
	ends(a, r, manifest, "d6", domain.UpdateFailed, "14")
	// finished = 5 − 0 − 0; failed = 4 − R's 1 successful; INSTALL_FAILED: 3 − R's 2 finished.
	seen = append(seen, checkStats(t, a, id, "launched", [6]float64{5, 5, 0, 5, 3, 2},
		failure("13", 1, "not_launched"), failure("14", 1, "not_launched"), failure("INSTALL_FAILED", 1, "launched")))

	a.Must(http.StatusOK, "POST", "/api/v2/campaigns/"+retry+"/cancel", nil)
	ends(a, r, manifest, "d4", domain.UpdateCancelled, "")
	// cancelled = 0 + 1; finished = 5 − 0 − 1; successful = 4 − 3.
	seen = append(seen, checkStats(t, a, id, "launched", [6]float64{5, 5, 1, 4, 3, 1},
		failure("13", 1, "not_launched"), failure("14", 1, "not_launched"), failure("INSTALL_FAILED", 1, "finished")))

	for i, then := range seen {
		got := apitest.Object(t, a.Must(http.StatusOK, "GET", path+"/stats?as_of="+then.at.Format(time.RFC3339Nano), nil))
		if diff := cmp.Diff(then.stats, got); diff != "" {
			t.Errorf("stats as of step %d (-then +as of):\n%s", i+1, diff)
		}
	}
}

// campaignOf is our id of a Campaigner campaign id.
func campaignOf(id string) domain.CampaignID {
	u := uuid.MustParse(id)
	return domain.CampaignID(fmt.Sprintf("%x", u[:]))
}

// ends records, as the engine and a Director's report would, device's
// enrolment in campaign c and its update ending in state with code: a
// result code when a number, else a text failure code.
func ends(a *api, c domain.CampaignID, manifest string, device domain.DeviceID, state domain.UpdateState, code string) {
	a.t.Helper()
	now := time.Now()
	result, err := strconv.Atoi(code)
	text := ""
	if err != nil {
		text = code
	}
	a.engine("acme", device, domain.DeviceEnrolled{CampaignID: c, ManifestID: domain.ManifestID(manifest), At: now},
		domain.DeviceUpdateStateChanged{CampaignID: c, From: domain.UpdatePending, To: domain.UpdateScheduled, At: now},
		domain.DeviceUpdateStateChanged{CampaignID: c, From: domain.UpdateScheduled, To: state, ResultCode: result, FailureCode: text, At: now})
}

// failure is one entry of the stats' failures.
func failure(code string, count float64, retryStatus string) any {
	return map[string]any{"code": code, "count": count, "retryStatus": retryStatus}
}

// statsThen is a campaign's stats as read at an instant.
type statsThen struct {
	at    time.Time
	stats map[string]any
}

// checkStats checks a campaign's stats: processed, affected, cancelled,
// finished, failed and successful, then its failures; it returns them
// with the instant after the read, before any later event.
func checkStats(t *testing.T, a *api, id, status string, n [6]float64, failures ...any) statsThen {
	t.Helper()
	got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/api/v2/campaigns/"+id+"/stats", nil))
	want := map[string]any{"campaign": id, "status": status, "processed": n[0], "affected": n[1], "cancelled": n[2],
		"finished": n[3], "failed": n[4], "successful": n[5], "failures": failures}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	at := time.Now()
	time.Sleep(2 * time.Millisecond) // the next events are recorded later than at
	return statsThen{at: at, stats: got}
}
