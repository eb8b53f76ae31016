package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Given devices just registered through the API (one to update, one of
// another class, one up to date), when acme previews its draft campaign,
// then the preview counts them from the catalog, having waited for the
// registrations; once the campaign started, a preview is refused.
func TestAPreviewCountsTheCatalogThroughTheAPI(t *testing.T) {
	a := newAPI(t)
	id := a.campaign("spring rollout", a.manifest("class-1"))["id"].(string)
	for _, d := range []map[string]any{
		{"id": "dev-1", "device_class": "class-1", "firmware_checksum": "digest-1"},
		{"id": "dev-2", "device_class": "class-2", "firmware_checksum": "digest-1"},
		{"id": "dev-3", "device_class": "class-1", "firmware_checksum": "digest-2"},
	} {
		a.Must(http.StatusCreated, "POST", "/v3/devices", d)
	}

	rec := a.Must(http.StatusOK, "POST", "/v3/update-campaigns/"+id+"/preview", nil)

	var got struct {
		Targeted int            `json:"targeted"`
		Skipped  map[string]int `json:"skipped"`
		Examples struct {
			Targeted []string `json:"targeted"`
		} `json:"examples"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	wantSkipped := map[string]int{"already_updated": 1, "device_class_mismatch": 1, "deregistered": 0, "in_other_campaign": 0}
	if got.Targeted != 1 || !cmp.Equal(got.Skipped, wantSkipped) || !cmp.Equal(got.Examples.Targeted, []string{"dev-1"}) {
		t.Errorf("preview %s; want dev-1 targeted and skipped %v", rec.Body, wantSkipped)
	}
	a.Must(http.StatusAccepted, "POST", "/v3/update-campaigns/"+id+"/start", nil)
	a.Must(http.StatusConflict, "POST", "/v3/update-campaigns/"+id+"/preview", nil)
}
