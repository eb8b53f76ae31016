package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
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
	got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns/"+id, nil))
	if got["name"] != "spring rollout" || got["created_at"] != created["created_at"] || !strings.HasSuffix(got["created_at"].(string), "Z") {
		t.Errorf("read back = %v", got)
	}
	list := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns/", nil))
	if !slices.Equal(list.IDs("id"), []string{id}) {
		t.Errorf("list = %v", list.IDs("id"))
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
		{"POST", "/v3/update-campaigns/" + id + "/preview"},
		{"POST", "/v3/update-campaigns/" + id + "/approve"},
		{"POST", "/v3/update-campaigns/" + id + "/pause"},
		{"POST", "/v3/update-campaigns/" + id + "/resume"},
		{"GET", "/v3/update-campaigns/" + id + "/campaign-device-metadata"},
		{"GET", "/v3/update-campaigns/" + id + "/statistics"},
		{"GET", "/v3/update-campaigns/" + id + "/statistics/success/event_types"},
		{"GET", "/v3/update-campaigns/" + id + "/metrics"},
		{"GET", "/v3/update-campaigns/" + id + "/progress"},
		// /api/v2's are in TestCampaignerErrors: Campaigner's error object.
	} {
		var body any
		if r.method == "PUT" {
			body = map[string]any{"name": "theirs"}
		}
		rec := a.Call(r.method, r.path, globexKey, body)
		if e := apitest.ErrorOf(t, rec, http.StatusNotFound); strings.Contains(e.Message, "mine") {
			t.Errorf("%s %s shows the campaign: %s", r.method, r.path, e.Message)
		}
	}
	if list := apitest.PageOf(t, a.Call("GET", "/v3/update-campaigns", globexKey, nil)); len(list.Data) != 0 {
		t.Errorf("globex lists acme's campaigns: %v", list.IDs("id"))
	}
	if got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns/"+id, nil)); got["name"] != "mine" {
		t.Errorf("acme's campaign changed: %v", got)
	}
}

func TestCampaignListsPageAndFilter(t *testing.T) {
	a := newAPI(t)
	m := a.manifest("class-1")
	var ids []string
	for _, name := range []string{"c1", "c2", "c3", "c4", "c5"} {
		ids = append(ids, a.campaign(name, m)["id"].(string))
	}
	a.Must(http.StatusAccepted, "POST", "/v3/update-campaigns/"+ids[1]+"/start", nil)

	p := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns?limit=2&include=total_count", nil))
	if !slices.Equal(p.IDs("name"), []string{"c1", "c2"}) || !p.HasMore || p.TotalCount == nil || *p.TotalCount != 5 || p.Limit != 2 || p.Order != "ASC" || p.After != nil {
		t.Errorf("first page = %+v", p)
	}
	p = apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns?limit=2&after="+ids[1], nil))
	if !slices.Equal(p.IDs("name"), []string{"c3", "c4"}) || !p.HasMore || p.After == nil || *p.After != ids[1] || p.TotalCount != nil {
		t.Errorf("second page = %+v", p)
	}
	p = apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns?order=DESC&limit=3", nil))
	if !slices.Equal(p.IDs("name"), []string{"c5", "c4", "c3"}) {
		t.Errorf("DESC = %v", p.IDs("name"))
	}
	for _, q := range []string{
		"state__eq=allocatingquota",
		"filter=" + url.QueryEscape("phase__eq=starting"),
		"filter=" + url.QueryEscape("name__in=c2,c9&started_at__gte=20000101T000000Z"),
		"name__nin=c1,c3,c4,c5",
	} {
		if got := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns?"+q, nil)).IDs("name"); !slices.Equal(got, []string{"c2"}) {
			t.Errorf("%s: %v, want [c2]", q, got)
		}
	}
	for q, field := range map[string]string{
		"limit=ten": "limit", "order=sideways": "order",
		"colour__eq=red": "colour__eq", "filter=" + url.QueryEscape("created_at__gte=soon"): "created_at__gte",
	} {
		e := apitest.ErrorOf(t, a.Call("GET", "/v3/update-campaigns?"+q, acmeKey, nil), http.StatusBadRequest)
		if !slices.Equal(e.FieldNames(), []string{field}) {
			t.Errorf("%s: fields %v, want [%s]", q, e.FieldNames(), field)
		}
	}
}
