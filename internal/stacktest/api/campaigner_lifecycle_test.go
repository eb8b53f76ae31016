package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/domain"
)

// A v2 campaign goes through its life on the whole stack: launched, one
// device cancelled, one failed by a Director's report, then the campaign
// cancelled; v2 and /v3 agree on each step at once.
func TestCampaignerLifecycleOnTheStack(t *testing.T) {
	a := newAPI(t)
	manifest, update := campaignerWorld(t, a)
	id := v2Campaign(t, a, "lab rollout", update, "lab")
	u := uuid.MustParse(id)
	hex, path := fmt.Sprintf("%x", u[:]), "/api/v2/campaigns/"+id

	a.Must(http.StatusOK, "POST", path+"/launch", nil)
	checkStatuses(t, a, id, hex, "launched", "starting")
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/launch", acmeKey, nil), http.StatusConflict, "campaign_already_launched")

	// The engine enrols the lab's devices; a Director reports d2 failed.
	c, now := domain.CampaignID(hex), time.Now()
	enrolled := domain.DeviceEnrolled{CampaignID: c, ManifestID: domain.ManifestID(manifest), At: now}
	a.engine("acme", "d1", enrolled)
	a.engine("acme", "d2", enrolled, domain.DeviceUpdateStateChanged{CampaignID: c, From: domain.UpdatePending, To: domain.UpdateScheduled, At: now},
		domain.DeviceUpdateStateChanged{CampaignID: c, From: domain.UpdateScheduled, To: domain.UpdateFailed, FailureCode: "INSTALL_FAILED",
			Reason: "the image did not verify", At: now})

	a.Must(http.StatusOK, "DELETE", path+"/devices/d1", nil)
	a.Must(http.StatusOK, "DELETE", path+"/devices/d2", nil) // failed already: stays failed
	apitest.CampaignerErrorOf(t, a.Call("DELETE", path+"/devices/d3", acmeKey, nil), http.StatusNotFound, "missing_entity")
	apitest.CampaignerErrorOf(t, a.Call("DELETE", path+"/devices/d1", globexKey, nil), http.StatusNotFound, "missing_entity")

	campaigns := apitest.Object(t, a.Must(http.StatusOK, "GET", "/api/v2/device/d1/campaigns", nil))["campaigns"].([]any)
	if len(campaigns) != 1 || campaigns[0].(map[string]any)["id"] != id {
		t.Errorf("d1's campaigns %v, want %s", campaigns, id)
	}
	if got := a.Call("GET", "/api/v2/device/d1/campaigns", globexKey, nil).Body.String(); got != `{"deviceId":"d1","campaigns":[]}`+"\n" {
		t.Errorf("globex's d1: %s", got)
	}
	csv := a.Must(http.StatusOK, "GET", path+"/failed-installations.csv?failureCode=INSTALL_FAILED", nil).Body.String()
	if want := "Device ID;Failure Code;Failure Description\nd2;INSTALL_FAILED;the image did not verify\n"; csv != want {
		t.Errorf("failed installations %q, want %q", csv, want)
	}

	a.Must(http.StatusOK, "POST", path+"/cancel", nil)
	checkStatuses(t, a, id, hex, "cancelled", "stopping")
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/launch", acmeKey, nil), http.StatusConflict, "campaign_already_launched")
	if got := countsOf(t, a); !cmp.Equal(got, map[string]float64{"prepared": 0, "launched": 0, "finished": 0, "cancelled": 1}) {
		t.Errorf("counts %v, want one cancelled", got)
	}
	stats := apitest.Object(t, a.Must(http.StatusOK, "GET", path+"/stats", nil))
	want := map[string]any{"campaign": id, "status": "cancelled", "processed": 2.0, "affected": 2.0, "cancelled": 1.0,
		"finished": 1.0, "failed": 1.0, "successful": 0.0}
	delete(stats, "failures")
	if diff := cmp.Diff(want, stats); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

// A prepared campaign cancelled reads cancelled in v2 and stopped as its
// user's stop in /v3 at once, counts as cancelled, and is never launched.
func TestCampaignerCancelOfAPreparedCampaignOnTheStack(t *testing.T) {
	a := newAPI(t)
	_, update := campaignerWorld(t, a)
	id := v2Campaign(t, a, "lab rollout", update, "lab")
	u := uuid.MustParse(id)
	hex, path := fmt.Sprintf("%x", u[:]), "/api/v2/campaigns/"+id

	a.Must(http.StatusOK, "POST", path+"/cancel", nil)
	checkStatuses(t, a, id, hex, "cancelled", "stopped")
	if state := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns/"+hex, nil))["state"]; state != "userstopped" {
		t.Errorf("/v3 state %v, want userstopped", state)
	}
	if got := countsOf(t, a); !cmp.Equal(got, map[string]float64{"prepared": 0, "launched": 0, "finished": 0, "cancelled": 1}) {
		t.Errorf("counts %v, want one cancelled", got)
	}
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/launch", acmeKey, nil), http.StatusConflict, "campaign_already_launched")
	checkStatuses(t, a, id, hex, "cancelled", "stopped")
}

// checkStatuses checks the campaign's Campaigner status and its /v3 phase.
func checkStatuses(t *testing.T, a *api, id, hex, status, phase string) {
	t.Helper()
	v2 := apitest.Object(t, a.Must(http.StatusOK, "GET", "/api/v2/campaigns/"+id, nil))
	v3 := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns/"+hex, nil))
	if v2["status"] != status || v3["phase"] != phase {
		t.Errorf("status %v and phase %v, want %s and %s", v2["status"], v3["phase"], status, phase)
	}
}
