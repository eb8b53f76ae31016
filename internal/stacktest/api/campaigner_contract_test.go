package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// Every /api/v2 route naming a campaign or an update answers 404
// missing_entity, in Campaigner's error object, for another account's
// object, an unknown one and an id that is no UUID (which names nothing);
// the table names every such route of the handler, so a new route comes
// with its case.
func TestEveryCampaignerRouteAnswersNotFoundForWhatIsNotTheAccounts(t *testing.T) {
	a := newAPI(t)
	_, update := campaignerWorld(t, a)
	campaign := v2Campaign(t, a, "lab rollout", update, "lab")
	a.Must(http.StatusOK, "POST", "/api/v2/campaigns/"+campaign+"/launch", nil)
	routes := map[string]struct {
		own  string
		body any
	}{
		"GET /api/v2/updates/{id}":                                {update, nil},
		"GET /api/v2/campaigns/{id}":                              {campaign, nil},
		"PUT /api/v2/campaigns/{id}":                              {campaign, map[string]any{"name": "mine"}},
		"GET /api/v2/campaigns/{id}/stats":                        {campaign, nil},
		"POST /api/v2/campaigns/{id}/launch":                      {campaign, nil},
		"POST /api/v2/campaigns/{id}/retry-failed":                {campaign, map[string]any{"failureCode": "13"}},
		"POST /api/v2/campaigns/{id}/cancel":                      {campaign, nil},
		"DELETE /api/v2/campaigns/{id}/devices/{device}":          {campaign, nil},
		"POST /api/v2/campaigns/{id}/devices/{device}/accept":     {campaign, nil},
		"GET /api/v2/campaigns/{id}/failed-installations.csv":     {campaign, nil},
		"GET /api/v2/campaigns/{id}/stats?as_of=" + pastInstant(): {campaign, nil},
	}
	err := chi.Walk(a.Handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if _, ok := routes[method+" "+route]; strings.HasPrefix(route, "/api/v2/") && strings.Contains(route, "{id}") && !ok {
			t.Errorf("%s %s has no case", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for route, tc := range routes {
		method, pattern, _ := strings.Cut(route, " ")
		for _, call := range []struct{ what, key, id string }{
			{"another account's", globexKey, tc.own},
			{"an unknown", acmeKey, uuid.NewString()},
			{"a malformed", acmeKey, "not-a-uuid"},
		} {
			t.Run(route+" of "+call.what, func(t *testing.T) {
				path := strings.NewReplacer("{id}", call.id, "{device}", "d1").Replace(pattern)
				apitest.CampaignerErrorOf(t, a.Call(method, path, call.key, tc.body), http.StatusNotFound, "missing_entity")
			})
		}
	}
}

// pastInstant is an instant of a moment ago, for as_of.
func pastInstant() string { return time.Now().Add(-time.Millisecond).UTC().Format(time.RFC3339Nano) }

// Bodies and parameters the routes cannot read answer 400 invalid_entity;
// a campaign that ended has nothing to cancel (409); a limit over 1,000
// is taken as 1,000.
func TestCampaignerRoutesRefuseWhatTheyCannotRead(t *testing.T) {
	a := newAPI(t)
	_, update := campaignerWorld(t, a)
	campaign := v2Campaign(t, a, "lab rollout", update, "lab")
	ended := "/api/v2/campaigns/" + v2Campaign(t, a, "ended", update, "lab")
	a.Must(http.StatusOK, "POST", ended+"/cancel", nil)
	path := "/api/v2/campaigns/" + campaign
	create := func(update string, metadataType string) map[string]any {
		return map[string]any{"name": "x", "update": update, "groups": []string{"lab"},
			"metadata": []any{map[string]any{"type": metadataType, "value": "v"}}}
	}
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"a create that is no JSON", "POST", "/api/v2/campaigns", []byte(`{"name":`), 400, "invalid_entity"},
		{"a create whose update is no UUID", "POST", "/api/v2/campaigns", create("update-1", "DESCRIPTION"), 400, "invalid_entity"},
		{"a create with an unknown metadata type", "POST", "/api/v2/campaigns", create(update, "COLOUR"), 400, "invalid_entity"},
		{"a rename that is no JSON", "PUT", path, []byte(`[]`), 400, "invalid_entity"},
		{"a rename to no name", "PUT", path, map[string]any{"name": ""}, 400, "invalid_entity"},
		{"a retry that is no JSON", "POST", path + "/retry-failed", []byte(`nope`), 400, "invalid_entity"},
		{"a retry without a failure code", "POST", path + "/retry-failed", map[string]any{}, 400, "invalid_entity"},
		{"an update that is no JSON", "POST", "/api/v2/updates", []byte(`{`), 400, "invalid_entity"},
		{"an update without a source", "POST", "/api/v2/updates", map[string]any{"name": "u"}, 400, "invalid_entity"},
		{"a list with limit 0", "GET", "/api/v2/campaigns?limit=0", nil, 400, "invalid_entity"},
		{"a list with a negative offset", "GET", "/api/v2/campaigns?offset=-1", nil, 400, "invalid_entity"},
		{"a list with a limit that is no number", "GET", "/api/v2/campaigns?limit=ten", nil, 400, "invalid_entity"},
		{"a list sorted by an unknown field", "GET", "/api/v2/campaigns?sortBy=status", nil, 400, "invalid_entity"},
		{"a list with withErrors neither true nor false", "GET", "/api/v2/campaigns?withErrors=yes", nil, 400, "invalid_entity"},
		{"a list with withErrors and a name", "GET", "/api/v2/campaigns?withErrors=true&nameContains=x", nil, 400, "invalid_entity"},
		{"an updates list with limit 0", "GET", "/api/v2/updates?limit=0", nil, 400, "invalid_entity"},
		{"stats as of no date-time", "GET", path + "/stats?as_of=yesterday", nil, 400, "invalid_entity"},
		{"a cancel of a campaign that ended", "POST", ended + "/cancel", nil, 409, "conflicting_entity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apitest.CampaignerErrorOf(t, a.Call(tc.method, tc.path, acmeKey, tc.body), tc.status, tc.code)
		})
	}
	for _, list := range []string{"/api/v2/campaigns", "/api/v2/updates"} {
		if page := apitest.Object(t, a.Must(http.StatusOK, "GET", list+"?limit=5000", nil)); page["limit"] != 1000.0 {
			t.Errorf("GET %s?limit=5000: limit %v, want 1000", list, page["limit"])
		}
	}
}
