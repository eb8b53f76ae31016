package http_test

import (
	"net/http"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// Pelion's clients may leave a name out: a campaign created without one,
// or with an empty one, is named "campaign <id>", and a manifest
// registered as JSON without one "manifest <id>" (an uploaded file's
// manifest takes the file's name).
func TestObjectsCreatedWithoutANameGetOne(t *testing.T) {
	cat := &catalog{}
	a := newAPI(t, withCatalog(cat))
	var names []string
	a.ports.createCampaign = func(c commands.CreateCampaign) (commands.Result, error) {
		names = append(names, c.Spec.Name)
		return commands.Result{}, nil
	}
	a.ports.campaign = func(account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
		return projections.Campaign{ID: id, AccountID: account, Name: names[len(names)-1]}, nil
	}
	for _, body := range []map[string]any{
		{"root_manifest_id": "m", "device_filter": "state__eq=registered"},
		{"name": "", "root_manifest_id": "m", "device_filter": "state__eq=registered"},
	} {
		c := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/update-campaigns", body))
		if want := "campaign " + c["id"].(string); c["name"] != want {
			t.Errorf("%v: name %q, want %q", body, c["name"], want)
		}
	}
	m := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/firmware-manifests", map[string]any{"device_class": "c",
		"delivered_payload_type": "full", "delivered_payload_url": "https://fw.example/1.bin", "delivered_payload_digest": "d",
		"delivered_payload_size": 1}))
	id := m["id"].(string)
	if got, want := cat.registered(id).Spec.Name, "manifest "+id; got != want || m["name"] != want {
		t.Errorf("manifest name registered %q, answered %q, want %q", got, m["name"], want)
	}
}
