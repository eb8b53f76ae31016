package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// campaignerWorld is acme's manifest, three devices (two in group
// "lab"), and an update of the manifest made through /api/v2.
func campaignerWorld(t *testing.T, a *api) (manifest, update string) {
	t.Helper()
	manifest = a.manifest("class-1")
	a.Must(http.StatusAccepted, "POST", "/v3/devices/bulk", map[string]any{"devices": []any{
		map[string]any{"id": "d1", "device_class": "class-1", "groups": []string{"lab"}},
		map[string]any{"id": "d2", "device_class": "class-1", "groups": []string{"lab", "field"}},
		map[string]any{"id": "d3", "device_class": "class-1"},
	}})
	rec := a.Must(http.StatusCreated, "POST", "/api/v2/updates", map[string]any{
		"updateSource": map[string]any{"id": manifest, "sourceType": "external"}, "name": "firmware 2"})
	update = jsonString(t, rec.Body.Bytes())
	if got, want := rec.Header().Get("Location"), "/api/v2/updates/"+update; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	return manifest, update
}

// v2Campaign creates a campaign through /api/v2 and returns its id.
func v2Campaign(t *testing.T, a *api, name, update string, groups ...string) string {
	t.Helper()
	return jsonString(t, a.Must(http.StatusCreated, "POST", "/api/v2/campaigns", map[string]any{
		"name": name, "update": update, "groups": groups,
		"metadata": []any{map[string]any{"type": "DESCRIPTION", "value": "lab first"}}, "approvalNeeded": true,
	}).Body.Bytes())
}

// A campaign made through /api/v2 is a /v3 campaign of the update's
// manifest, and a /v3 campaign reads through /api/v2: one model, two faces.
func TestCampaignerAndPelionShowOneCampaign(t *testing.T) {
	a := newAPI(t)
	manifest, update := campaignerWorld(t, a)
	id := v2Campaign(t, a, "lab rollout", update, "lab")

	hex := uuid.MustParse(id)
	v3 := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns/"+fmt.Sprintf("%x", hex[:]), nil))
	if v3["name"] != "lab rollout" || v3["root_manifest_id"] != manifest || v3["phase"] != "draft" {
		t.Errorf("the v2 campaign through /v3: %v", v3)
	}
	got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/api/v2/campaigns/"+id, nil))
	want := map[string]any{"namespace": "acme", "id": id, "name": "lab rollout", "update": update, "status": "prepared",
		"createdAt": got["createdAt"], "updatedAt": got["updatedAt"], "mainCampaignId": nil, "failureCode": nil,
		"autoAccept": false, "groups": []any{"lab"}, "retryCampaignIds": []any{},
		"metadata": []any{map[string]any{"type": "DESCRIPTION", "value": "lab first"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET /api/v2/campaigns/{id} (-want +got):\n%s", diff)
	}

	pelion := a.campaign("pelion rollout", manifest)["id"].(string)
	dashed := uuid.MustParse(pelion).String()
	got = apitest.Object(t, a.Must(http.StatusOK, "GET", "/api/v2/campaigns/"+dashed, nil))
	if got["id"] != dashed || got["update"] != nil || got["status"] != "prepared" || got["autoAccept"] != true {
		t.Errorf("the v3 campaign through /api/v2: %v", got)
	}
	a.Must(http.StatusAccepted, "POST", "/v3/update-campaigns/"+pelion+"/start", nil)
	if got := countsOf(t, a); !cmp.Equal(got, map[string]float64{"prepared": 1, "launched": 1, "finished": 0, "cancelled": 0}) {
		t.Errorf("counts %v, want one prepared and one launched", got)
	}
}

// Each documented error of the v2 campaign and update routes, and
// another account's objects, answer Campaigner's error object.
func TestCampaignerErrors(t *testing.T) {
	a := newAPI(t)
	_, update := campaignerWorld(t, a)
	id := v2Campaign(t, a, "taken", update, "lab")
	body := func(name, update string, groups ...string) map[string]any {
		return map[string]any{"name": name, "update": update, "groups": groups}
	}
	for _, tc := range []struct {
		name, method, path, key string
		body                    any
		status                  int
		code                    string
	}{
		{"groups without a registered device", "POST", "/api/v2/campaigns", acmeKey, body("empty", update, "nobody"), 400, "campaign_without_devices"},
		{"no groups", "POST", "/api/v2/campaigns", acmeKey, body("none", update), 400, "invalid_entity"},
		{"a taken name", "POST", "/api/v2/campaigns", acmeKey, body("taken", update, "lab"), 409, "campaign_already_exists"},
		{"an unknown update", "POST", "/api/v2/campaigns", acmeKey, body("x", uuid.NewString(), "lab"), 412, "missing_update_source"},
		{"another account's update", "POST", "/api/v2/campaigns", globexKey, body("x", update, "lab"), 412, "missing_update_source"},
		{"a second update of one source", "POST", "/api/v2/updates", acmeKey, map[string]any{"name": "again",
			"updateSource": map[string]any{"id": "m-any", "sourceType": "external"}}, 201, ""},
		{"a renaming to a taken name", "PUT", "/api/v2/campaigns/" + v2Campaign(t, a, "other", update, "lab"), acmeKey, map[string]any{"name": "taken"}, 409, "campaign_already_exists"},
		{"another account's campaign", "GET", "/api/v2/campaigns/" + id, globexKey, nil, 404, "missing_entity"},
		{"another account's campaign renamed", "PUT", "/api/v2/campaigns/" + id, globexKey, map[string]any{"name": "mine"}, 404, "missing_entity"},
		{"another account's stats", "GET", "/api/v2/campaigns/" + id + "/stats", globexKey, nil, 404, "missing_entity"},
		{"another account's update", "GET", "/api/v2/updates/" + update, globexKey, nil, 404, "missing_entity"},
		{"a list with withErrors and a status", "GET", "/api/v2/campaigns?withErrors=true&status=prepared", acmeKey, nil, 400, "invalid_entity"},
		{"an unknown status", "GET", "/api/v2/campaigns?status=running", acmeKey, nil, 400, "invalid_entity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := a.Call(tc.method, tc.path, tc.key, tc.body)
			if tc.code == "" {
				if rec.Code != tc.status {
					t.Errorf("status %d %s, want %d", rec.Code, rec.Body, tc.status)
				}
				return
			}
			apitest.CampaignerErrorOf(t, rec, tc.status, tc.code)
		})
	}
	t.Run("another account lists and counts none of them", func(t *testing.T) {
		for _, path := range []string{"/api/v2/campaigns", "/api/v2/updates"} {
			page := apitest.Object(t, a.Call("GET", path, globexKey, nil))
			if page["total"] != 0.0 || len(page["values"].([]any)) != 0 {
				t.Errorf("globex's GET %s: %v", path, page)
			}
		}
		rec := a.Call("GET", "/api/v2/campaigns/count", globexKey, nil)
		if got := apitest.Object(t, rec); !cmp.Equal(got, map[string]any{"prepared": 0.0, "launched": 0.0, "finished": 0.0, "cancelled": 0.0}) {
			t.Errorf("globex's counts: %v", got)
		}
	})
	t.Run("a second update of one source id", func(t *testing.T) {
		rec := a.Call("POST", "/api/v2/updates", acmeKey, map[string]any{"name": "again",
			"updateSource": map[string]any{"id": "m-any", "sourceType": "external"}})
		apitest.CampaignerErrorOf(t, rec, http.StatusConflict, "update_already_exists")
	})
}

// PUT renames a campaign and replaces its metadata, in any phase; the
// list filters by status and name, and sorts by name or newest first.
func TestCampaignerUpdateAndList(t *testing.T) {
	a := newAPI(t)
	_, update := campaignerWorld(t, a)
	first := v2Campaign(t, a, "b first", update, "lab")
	second := v2Campaign(t, a, "a second", update, "field")
	a.Must(http.StatusOK, "PUT", "/api/v2/campaigns/"+first, map[string]any{"name": "c first",
		"metadata": []any{map[string]any{"type": "ESTIMATED_INSTALLATION_DURATION", "value": "PT5M"}}})
	got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/api/v2/campaigns/"+first, nil))
	if got["name"] != "c first" || !cmp.Equal(got["metadata"], []any{map[string]any{"type": "ESTIMATED_INSTALLATION_DURATION", "value": "PT5M"}}) {
		t.Errorf("after PUT: %v", got)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{second, first}},
		{"?sortBy=name", []string{second, first}},
		{"?sortBy=createdAt", []string{second, first}},
		{"?nameContains=first", []string{first}},
		{"?status=prepared&nameContains=second", []string{second}},
		{"?status=launched", []string{}},
		{"?withErrors=true", []string{}},
	} {
		if got := listIDs(t, a, "/api/v2/campaigns"+tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("GET /api/v2/campaigns%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	page := apitest.Object(t, a.Must(http.StatusOK, "GET", "/api/v2/updates?limit=5", nil))
	if page["total"] != 1.0 || page["limit"] != 5.0 || len(page["values"].([]any)) != 1 {
		t.Errorf("updates page %v", page)
	}
}

// listIDs returns the ids of a Campaigner page.
func listIDs(t *testing.T, a *api, path string) []string {
	t.Helper()
	out := []string{}
	for _, v := range apitest.Object(t, a.Must(http.StatusOK, "GET", path, nil))["values"].([]any) {
		out = append(out, v.(map[string]any)["id"].(string))
	}
	return out
}

// countsOf reads /api/v2/campaigns/count.
func countsOf(t *testing.T, a *api) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for k, v := range apitest.Object(t, a.Must(http.StatusOK, "GET", "/api/v2/campaigns/count", nil)) {
		out[k] = v.(float64)
	}
	return out
}

// jsonString decodes a JSON string answer.
func jsonString(t *testing.T, body []byte) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatalf("body %q is not a JSON string: %v", body, err)
	}
	return s
}
