package api_test

import (
	"net/http"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// An older Pelion SDK's whole round: it creates a campaign without a
// name, starts it by a PUT of the object with "state":"scheduled" (its
// when still to come: it waits, timed), stops it, and deletes it.
func TestAnOlderSDKStartsByPutAndDeletesAStoppedCampaign(t *testing.T) {
	a := newAPI(t)
	c := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/update-campaigns", map[string]any{
		"root_manifest_id": a.manifest("class-1"), "device_filter": "state__eq=registered"}))
	id := c["id"].(string)
	path := "/v3/update-campaigns/" + id
	if c["name"] != "campaign "+id {
		t.Errorf("name %v, want the default", c["name"])
	}
	c["state"], c["when"] = "scheduled", "2099-01-01T00:00:00Z"
	started := apitest.Object(t, a.Must(http.StatusOK, "PUT", path, c))
	if started["phase"] != "timed" || started["state"] != "scheduled" || started["when"] != "2099-01-01T00:00:00Z" {
		t.Errorf("after the PUT: phase %v, state %v, when %v; want timed, scheduled, the when sent", started["phase"], started["state"], started["when"])
	}
	apitest.ErrorOf(t, a.Call("DELETE", path, acmeKey, nil), http.StatusConflict)
	if stopped := apitest.Object(t, a.Must(http.StatusAccepted, "POST", path+"/stop", nil)); stopped["phase"] != "stopped" {
		t.Errorf("after the stop: phase %v, want stopped", stopped["phase"])
	}
	a.Must(http.StatusNoContent, "DELETE", path, nil)
	apitest.ErrorOf(t, a.Call("GET", path, acmeKey, nil), http.StatusNotFound)
}
