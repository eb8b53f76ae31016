package http_test

import (
	"net/http"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// Every /api/v2 error, whichever part of the API answers it, is
// Campaigner's error object with libats' code for its kind.
func TestCampaignerRoutesAnswerCampaignersErrors(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, key string
		status                  int
		code                    string
	}{
		{"a request without a key", "GET", "/api/v2/campaigns/" + v2Campaign1 + "/stats", "", http.StatusUnauthorized, "unauthorized"},
		{"a campaign id that is no UUID", "GET", "/api/v2/campaigns/campaign-1/stats", acmeKey, http.StatusNotFound, "missing_entity"},
		{"a braced UUID", "GET", "/api/v2/campaigns/{" + v2Campaign1 + "}/stats", acmeKey, http.StatusNotFound, "missing_entity"},
		{"a NUL in a campaign id", "GET", "/api/v2/campaigns/a%00b/stats", acmeKey, http.StatusBadRequest, "invalid_entity"},
		{"a route that does not exist", "GET", "/api/v2/nothing", acmeKey, http.StatusNotFound, "missing_entity"},
		{"a method the route does not take", "DELETE", "/api/v2/campaigns/" + v2Campaign1 + "/stats", acmeKey, http.StatusMethodNotAllowed, "method_not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAPI(t)
			apitest.CampaignerErrorOf(t, a.Call(tc.method, tc.path, tc.key, nil), tc.status, tc.code)
		})
	}
}

// A Campaigner id is our id in its dashed form, both ways: the stats of
// the campaign with 32 hex digits on /v3 answer under its UUID.
func TestCampaignerIDsAreOurIDsDashed(t *testing.T) {
	a := newAPI(t)
	a.ports.campaignerStats = func(_ domain.AccountID, id domain.CampaignID) (projections.CampaignerStats, error) {
		if id != "0157f3a2b6c94d5e8f0a1b2c3d4e5f60" {
			return projections.CampaignerStats{}, domain.NotFoundError{Object: "campaign", ID: string(id)}
		}
		return projections.CampaignerStats{Campaign: id, Status: domain.CampaignPrepared}, nil
	}
	for _, path := range []string{"/api/v2/campaigns/" + v2Campaign1 + "/stats", "/api/v2/campaigns/0157F3A2b6c94d5e8f0a1b2c3d4e5f60/stats"} {
		got := apitest.Object(t, a.Must(http.StatusOK, "GET", path, nil))
		if got["campaign"] != v2Campaign1 {
			t.Errorf("GET %s: campaign %v, want %s", path, got["campaign"], v2Campaign1)
		}
	}
}

// The /v3 routes keep Pelion's error object.
func TestPelionRoutesKeepPelionsErrors(t *testing.T) {
	a := newAPI(t)
	apitest.ErrorOf(t, a.Call("DELETE", "/v3/update-campaigns/c1/metrics", acmeKey, nil), http.StatusMethodNotAllowed)
}
