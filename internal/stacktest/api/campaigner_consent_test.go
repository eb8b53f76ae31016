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

// A campaign that requires consent on the whole stack: its devices read
// Campaigner's scheduled while they await consent and accepted once their
// user accepts through /api/v2; the campaign counts them affected and
// not finished meanwhile.
func TestCampaignerConsentOnTheStack(t *testing.T) {
	a := newAPI(t)
	manifest, update := campaignerWorld(t, a)
	id := v2Campaign(t, a, "lab consent", update, "lab") // approvalNeeded
	u := uuid.MustParse(id)
	hex, path := fmt.Sprintf("%x", u[:]), "/api/v2/campaigns/"+id
	a.Must(http.StatusOK, "POST", path+"/launch", nil)

	// The engine takes the lab's devices; their updates await consent.
	c, now := domain.CampaignID(hex), time.Now()
	for _, d := range []domain.DeviceID{"d1", "d2"} {
		a.engine("acme", d, domain.DeviceEnrolled{CampaignID: c, ManifestID: domain.ManifestID(manifest), At: now},
			domain.DeviceUpdateStateChanged{CampaignID: c, From: domain.UpdatePending, To: domain.UpdateAwaitingConsent, At: now})
	}
	checkDeviceStatuses(t, a, hex, map[string]string{"d1": "scheduled awaiting_consent pending", "d2": "scheduled awaiting_consent pending"})

	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/devices/d1/accept", globexKey, nil), http.StatusNotFound, "missing_entity")
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/devices/d3/accept", acmeKey, nil), http.StatusNotFound, "missing_entity")
	a.Must(http.StatusOK, "POST", path+"/devices/d1/accept", nil)
	a.Must(http.StatusOK, "POST", path+"/devices/d1/accept", nil) // accepted again: nothing more

	checkDeviceStatuses(t, a, hex, map[string]string{"d1": "accepted accepted pending", "d2": "scheduled awaiting_consent pending"})
	stats := apitest.Object(t, a.Must(http.StatusOK, "GET", path+"/stats", nil))
	want := map[string]any{"campaign": id, "status": "launched", "processed": 2.0, "affected": 2.0, "cancelled": 0.0,
		"finished": 0.0, "failed": 0.0, "successful": 0.0}
	delete(stats, "failures")
	if diff := cmp.Diff(want, stats); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

// checkDeviceStatuses checks each device's Campaigner status, update state
// and Pelion deployment_state in the campaign's /v3 device metadata.
func checkDeviceStatuses(t *testing.T, a *api, hex string, want map[string]string) {
	t.Helper()
	page := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns/"+hex+"/campaign-device-metadata", nil))
	got := map[string]string{}
	for _, item := range page["data"].([]any) {
		m := item.(map[string]any)
		got[m["device_id"].(string)] = fmt.Sprintf("%v %v %v", m["campaigner_status"], m["update_state"], m["deployment_state"])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("devices (-want +got):\n%s", diff)
	}
}
