package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// withKeys replaces the handler's API keys.
func withKeys(keys map[string]httpapi.Grant) func(*httpapi.Deps) {
	return func(d *httpapi.Deps) { d.APIKeys = keys }
}

// An auditor's key reads every route and writes none: each write answers
// 403 naming the role, and nothing reaches the service. Operator and
// admin keys, and keys configured without a role, write.
func TestAnAuditorReadsAndNeverWrites(t *testing.T) {
	keys := map[string]httpapi.Grant{"audit": {Account: "acme", Role: httpapi.RoleAuditor},
		"ops": {Account: "acme", Role: httpapi.RoleOperator}, "root": {Account: "acme", Role: httpapi.RoleAdmin},
		"old": {Account: "acme"}}
	for _, r := range keyedRoutes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			a := newAPI(t, withKeys(keys))
			rec := a.Call(r.method, r.path, "audit", r.body)
			if r.method == http.MethodGet {
				if rec.Code >= 300 {
					t.Fatalf("auditor's read: status %d %s", rec.Code, rec.Body)
				}
				return
			}
			if strings.HasPrefix(r.path, "/api/v2/") {
				if e := apitest.CampaignerErrorOf(t, rec, http.StatusForbidden, "forbidden"); !strings.Contains(e.Description, "auditor") {
					t.Errorf("error %+v, want one naming the auditor role", e)
				}
			} else if e := apitest.ErrorOf(t, rec, http.StatusForbidden); e.Type != "forbidden" || !strings.Contains(e.Message, "auditor") {
				t.Errorf("error %+v, want type forbidden naming the auditor role", e)
			}
			if got := a.ports.wrote(); len(got) > 0 {
				t.Errorf("the auditor's write reached the service: %v", got)
			}
			for _, key := range []string{"ops", "root", "old"} {
				if rec := a.Call(r.method, r.path, key, r.body); rec.Code >= 300 {
					t.Errorf("key %s: status %d %s", key, rec.Code, rec.Body)
				}
			}
		})
	}
}

// A key that is close to a known one, or a known one sent without the
// Bearer scheme, is no key.
func TestOnlyAWholeKnownKeyAuthenticates(t *testing.T) {
	a := newAPI(t, withKeys(map[string]httpapi.Grant{"key-one": {Account: "acme"}}))
	var got []int
	for _, header := range []string{"Bearer key-one", "Bearer key-on", "Bearer key-one2", "key-one", "Basic key-one", ""} {
		rec := a.Call("GET", "/v3/update-campaigns", "", nil, "Authorization", header)
		got = append(got, rec.Code)
	}
	want := []int{200, 401, 401, 401, 401, 401}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}
