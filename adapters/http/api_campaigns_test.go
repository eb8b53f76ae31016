package http_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestCreatedCampaignIsReadBackAtOnce(t *testing.T) {
	a := newAPI(t)
	m := a.manifest("class-1")
	created := a.campaign("spring rollout", m)
	id, _ := created["id"].(string)
	if len(id) != 32 || created["object"] != "update-campaign" || created["phase"] != "draft" || created["state"] != "draft" ||
		created["root_manifest_url"] != "https://fw.example/2.manifest" || created["campaign_strategy"] != "one-shot" ||
		created["autostop"] != true || created["autostop_success_percent"] != 100.0 || created["health_indicator"] != "ok" ||
		created["etag"] != "0" || created["when"] != nil {
		t.Errorf("created campaign = %v", created)
	}
	got := object(t, a.must(http.StatusOK, "GET", "/v3/update-campaigns/"+id, nil))
	if got["name"] != "spring rollout" || got["created_at"] != created["created_at"] || !strings.HasSuffix(got["created_at"].(string), "Z") {
		t.Errorf("read back = %v", got)
	}
	list := pageOf(t, a.must(http.StatusOK, "GET", "/v3/update-campaigns/", nil))
	if !slices.Equal(list.ids("id"), []string{id}) {
		t.Errorf("list = %v", list.ids("id"))
	}
}

func TestRequestsWithoutAKnownKeyAnswer401(t *testing.T) {
	a := newAPI(t)
	for _, auth := range []string{"", "Bearer nope", "Basic " + acmeKey, acmeKey} {
		req := a.call("GET", "/v3/update-campaigns", "", nil, "Authorization", auth)
		errorOf(t, req, http.StatusUnauthorized)
	}
	errorOf(t, a.call("POST", "/v3/connector/notifications", "", []byte(`{}`)), http.StatusUnauthorized)
	errorOf(t, a.call("POST", "/v3/devices/bulk", "nope", []byte(`{}`)), http.StatusUnauthorized)
	if rec := a.call("GET", "/healthz", "", nil); rec.Code != http.StatusOK {
		t.Errorf("healthz without a key: %d", rec.Code)
	}
}

func TestAnotherAccountsCampaignIsNotFound(t *testing.T) {
	a := newAPI(t)
	id := a.campaign("mine", a.manifest("class-1"))["id"].(string)
	for _, r := range []struct{ method, path string }{
		{"GET", "/v3/update-campaigns/" + id},
		{"PUT", "/v3/update-campaigns/" + id},
		{"DELETE", "/v3/update-campaigns/" + id},
		{"POST", "/v3/update-campaigns/" + id + "/start"},
		{"POST", "/v3/update-campaigns/" + id + "/stop"},
		{"GET", "/v3/update-campaigns/" + id + "/campaign-device-metadata"},
		{"GET", "/v3/update-campaigns/" + id + "/statistics"},
		{"GET", "/v3/update-campaigns/" + id + "/statistics/success/event_types"},
		{"GET", "/v3/update-campaigns/" + id + "/metrics"},
		{"GET", "/api/v2/campaigns/" + id + "/stats"},
	} {
		var body any
		if r.method == "PUT" {
			body = map[string]any{"name": "theirs"}
		}
		rec := a.call(r.method, r.path, globexKey, body)
		if e := errorOf(t, rec, http.StatusNotFound); strings.Contains(e.Message, "mine") {
			t.Errorf("%s %s shows the campaign: %s", r.method, r.path, e.Message)
		}
	}
	if list := pageOf(t, a.call("GET", "/v3/update-campaigns", globexKey, nil)); len(list.Data) != 0 {
		t.Errorf("globex lists acme's campaigns: %v", list.ids("id"))
	}
	if got := object(t, a.must(http.StatusOK, "GET", "/v3/update-campaigns/"+id, nil)); got["name"] != "mine" {
		t.Errorf("acme's campaign changed: %v", got)
	}
}

func TestInvalidCampaignsAnswer400NamingTheFields(t *testing.T) {
	a := newAPI(t)
	m := a.manifest("class-1")
	for _, tc := range []struct {
		name   string
		body   any
		fields []string
	}{
		{"rules of the domain", map[string]any{"name": " ", "root_manifest_id": m, "device_filter": "state__eq=registered",
			"autostop_success_percent": 200, "campaign_strategy": "sometimes"}, []string{"name", "campaign_strategy", "autostop_success_percent"}},
		{"unknown manifest", map[string]any{"name": "x", "root_manifest_id": "nope", "device_filter": "state__eq=registered"}, []string{"root_manifest_id"}},
		{"bad device filter", map[string]any{"name": "x", "root_manifest_id": m, "device_filter": "colour__eq=red"}, []string{"device_filter"}},
		{"bad when", map[string]any{"name": "x", "root_manifest_id": m, "device_filter": "state__eq=registered", "when": "tomorrow"}, []string{"when"}},
		{"wrong type", map[string]any{"name": 5, "root_manifest_id": m, "device_filter": "state__eq=registered"}, []string{"name"}},
		{"not JSON", []byte(`{"name": "x"`), []string{"body"}},
		{"two objects", []byte(`{"name": "x"} {}`), []string{"body"}},
	} {
		e := errorOf(t, a.call("POST", "/v3/update-campaigns", acmeKey, tc.body), http.StatusBadRequest)
		if e.Type != "validation_error" || !slices.Equal(e.fieldNames(), tc.fields) {
			t.Errorf("%s: type %s fields %v, want %v (%s)", tc.name, e.Type, e.fieldNames(), tc.fields, e.Message)
		}
	}
}

func TestBodiesOverTheLimitAnswer413(t *testing.T) {
	a := newAPI(t)
	big := []byte(`{"name": "` + strings.Repeat("x", 1<<20) + `"}`)
	errorOf(t, a.call("POST", "/v3/update-campaigns", acmeKey, big), http.StatusRequestEntityTooLarge)
	errorOf(t, a.call("POST", "/v3/devices", acmeKey, big), http.StatusRequestEntityTooLarge)
	// The bulk import takes 64 MiB: 2 MiB is no problem.
	bulk := []byte(`{"devices": [{"id": "d1", "description": "` + strings.Repeat("x", 2000) + `"}], "padding": "` + strings.Repeat("x", 2<<20) + `"}`)
	if rec := a.call("POST", "/v3/devices/bulk", acmeKey, bulk); rec.Code != http.StatusAccepted {
		t.Errorf("bulk import of 2 MiB: %d %s", rec.Code, rec.Body)
	}
}

func TestDuplicateCampaignNamesAnswer409(t *testing.T) {
	a := newAPI(t)
	m := a.manifest("class-1")
	first := a.campaign("alpha", m)
	body := map[string]any{"name": "alpha", "root_manifest_id": m, "device_filter": "state__eq=registered"}
	if e := errorOf(t, a.call("POST", "/v3/update-campaigns", acmeKey, body), http.StatusConflict); !strings.Contains(e.Message, "alpha") {
		t.Errorf("message %q", e.Message)
	}
	beta := a.campaign("beta", m)
	errorOf(t, a.call("PUT", "/v3/update-campaigns/"+beta["id"].(string), acmeKey, map[string]any{"name": "alpha"}), http.StatusConflict)
	// Renaming to its own name, or the same name in another account, is fine.
	a.must(http.StatusOK, "PUT", "/v3/update-campaigns/"+first["id"].(string), map[string]any{"name": "alpha", "description": "first"})
	// A retried create with its Idempotency-Key is the same campaign, not a duplicate.
	retry := map[string]any{"name": "gamma", "root_manifest_id": m, "device_filter": "state__eq=registered"}
	one := object(t, a.must(http.StatusCreated, "POST", "/v3/update-campaigns", retry, "Idempotency-Key", "create-gamma"))
	two := object(t, a.must(http.StatusCreated, "POST", "/v3/update-campaigns", retry, "Idempotency-Key", "create-gamma"))
	if one["id"] != two["id"] || one["etag"] != two["etag"] {
		t.Errorf("retried create made %v and %v", one["id"], two["id"])
	}
}

func TestCampaignUpdatesHonourIfMatch(t *testing.T) {
	a := newAPI(t)
	c := a.campaign("alpha", a.manifest("class-1"))
	path := "/v3/update-campaigns/" + c["id"].(string)
	// Clients send the object back with its read-only fields: ignored.
	c["description"] = "new words"
	c["when"] = "2030-01-02T03:04:05Z"
	updated := object(t, a.must(http.StatusOK, "PUT", path, c, "If-Match", `"0"`))
	if updated["description"] != "new words" || updated["etag"] != "1" || updated["when"] != "2030-01-02T03:04:05Z" {
		t.Errorf("updated = %v", updated)
	}
	errorOf(t, a.call("PUT", path, acmeKey, map[string]any{"description": "stale"}, "If-Match", "0"), http.StatusConflict)
	errorOf(t, a.call("PUT", path, acmeKey, map[string]any{"description": "bad"}, "If-Match", "yesterday"), http.StatusBadRequest)
	cleared := object(t, a.must(http.StatusOK, "PUT", path, map[string]any{"when": nil}))
	if cleared["when"] != nil || cleared["description"] != "new words" {
		t.Errorf("after when: null = %v", cleared)
	}
}

func TestStartAndStopAnswer202(t *testing.T) {
	a := newAPI(t)
	c := a.campaign("alpha", a.manifest("class-1"))
	path := "/v3/update-campaigns/" + c["id"].(string)
	started := object(t, a.must(http.StatusAccepted, "POST", path+"/start", nil))
	if started["phase"] != "starting" || started["state"] != "allocatingquota" || started["started_at"] == nil {
		t.Errorf("started = %v", started)
	}
	errorOf(t, a.call("POST", path+"/start", acmeKey, nil), http.StatusConflict)
	stopped := object(t, a.must(http.StatusAccepted, "POST", path+"/stop", nil))
	if p := stopped["phase"]; p != "stopping" && p != "stopped" {
		t.Errorf("stopped = %v", stopped)
	}
	errorOf(t, a.call("DELETE", path, acmeKey, nil), http.StatusConflict)

	draft := a.campaign("beta", a.manifest("class-1"))
	a.must(http.StatusNoContent, "DELETE", "/v3/update-campaigns/"+draft["id"].(string), nil)
	errorOf(t, a.call("GET", "/v3/update-campaigns/"+draft["id"].(string), acmeKey, nil), http.StatusNotFound)
}

func TestCampaignListsPageAndFilter(t *testing.T) {
	a := newAPI(t)
	m := a.manifest("class-1")
	var ids []string
	for _, name := range []string{"c1", "c2", "c3", "c4", "c5"} {
		ids = append(ids, a.campaign(name, m)["id"].(string))
	}
	a.must(http.StatusAccepted, "POST", "/v3/update-campaigns/"+ids[1]+"/start", nil)

	p := pageOf(t, a.must(http.StatusOK, "GET", "/v3/update-campaigns?limit=2&include=total_count", nil))
	if !slices.Equal(p.ids("name"), []string{"c1", "c2"}) || !p.HasMore || p.TotalCount == nil || *p.TotalCount != 5 || p.Limit != 2 || p.Order != "ASC" || p.After != nil {
		t.Errorf("first page = %+v", p)
	}
	p = pageOf(t, a.must(http.StatusOK, "GET", "/v3/update-campaigns?limit=2&after="+ids[1], nil))
	if !slices.Equal(p.ids("name"), []string{"c3", "c4"}) || !p.HasMore || p.After == nil || *p.After != ids[1] || p.TotalCount != nil {
		t.Errorf("second page = %+v", p)
	}
	p = pageOf(t, a.must(http.StatusOK, "GET", "/v3/update-campaigns?order=DESC&limit=3", nil))
	if !slices.Equal(p.ids("name"), []string{"c5", "c4", "c3"}) {
		t.Errorf("DESC = %v", p.ids("name"))
	}
	for _, q := range []string{
		"state__eq=allocatingquota",
		"filter=" + url.QueryEscape("phase__eq=starting"),
		"filter=" + url.QueryEscape("name__in=c2,c9&started_at__gte=20000101T000000Z"),
		"name__nin=c1,c3,c4,c5",
	} {
		if got := pageOf(t, a.must(http.StatusOK, "GET", "/v3/update-campaigns?"+q, nil)).ids("name"); !slices.Equal(got, []string{"c2"}) {
			t.Errorf("%s: %v, want [c2]", q, got)
		}
	}
	for q, field := range map[string]string{
		"limit=1": "limit", "limit=1001": "limit", "order=sideways": "order",
		"colour__eq=red": "colour__eq", "filter=" + url.QueryEscape("created_at__gte=soon"): "created_at__gte",
	} {
		e := errorOf(t, a.call("GET", "/v3/update-campaigns?"+q, acmeKey, nil), http.StatusBadRequest)
		if !slices.Equal(e.fieldNames(), []string{field}) {
			t.Errorf("%s: fields %v, want [%s]", q, e.fieldNames(), field)
		}
	}
}
