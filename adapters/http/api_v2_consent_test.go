package http_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/domain"
)

// An accept moves a device's update awaiting consent to accepted: 200,
// and 200 again when repeated. A device whose update is not awaiting
// consent answers conflicting_entity; one without an update in the
// campaign, an unknown campaign and another account's call answer
// missing_entity.
func TestCampaignerAcceptDevice(t *testing.T) {
	a, store, path := v2Lifecycle(t)
	campaign := campaignOf(path)
	for _, id := range []string{"d1", "d2", "d3"} {
		a.Must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": id})
	}
	enrolled := domain.DeviceEnrolled{CampaignID: campaign, ManifestID: "m", At: time.Now()}
	given(t, store, domain.DeviceStream("acme", "d1"), enrolled,
		domain.DeviceUpdateStateChanged{CampaignID: campaign, From: domain.UpdatePending, To: domain.UpdateAwaitingConsent, At: time.Now()})
	given(t, store, domain.DeviceStream("acme", "d2"), enrolled)

	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/devices/d1/accept", globexKey, nil), http.StatusNotFound, "missing_entity")
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/devices/d3/accept", acmeKey, nil), http.StatusNotFound, "missing_entity")
	apitest.CampaignerErrorOf(t, a.Call("POST", "/api/v2/campaigns/"+v2Unknown+"/devices/d1/accept", acmeKey, nil), http.StatusNotFound, "missing_entity")
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/devices/d2/accept", acmeKey, nil), http.StatusConflict, "conflicting_entity")
	if rec := a.Must(http.StatusOK, "POST", path+"/devices/d1/accept", nil); rec.Body.Len() != 0 {
		t.Errorf("accept answered %q, want no body", rec.Body)
	}
	a.Must(http.StatusOK, "POST", path+"/devices/d1/accept", nil)

	got := map[string]domain.UpdateState{}
	for _, id := range []domain.DeviceID{"d1", "d2"} {
		d, err := domain.LoadDevice(decoded(t, store, domain.DeviceStream("acme", id)))
		if err != nil {
			t.Fatal(err)
		}
		got[string(id)] = d.Updates()[campaign]
	}
	want := map[string]domain.UpdateState{"d1": domain.UpdateAccepted, "d2": domain.UpdatePending}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("update states (-want +got):\n%s", diff)
	}
	if n := len(eventsOf(t, store, domain.DeviceStream("acme", "d1"))); n != 4 {
		t.Errorf("d1 has %d events, want 4: registered, enrolled, awaiting consent, accepted once", n)
	}
}
