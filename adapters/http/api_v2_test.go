package http_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// v2Update is an update id in Campaigner's form.
const v2Update = "7c1b2a3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

// A v2 create sends one CreateCampaign: the update's source as the
// manifest, the groups' registered devices, the metadata, and
// approvalNeeded as each device's consent (not Pelion's approval).
func TestCampaignerCreateSendsOneCampaignOfTheUpdate(t *testing.T) {
	a := newAPI(t)
	var got commands.CreateCampaign
	a.ports.createCampaign = func(c commands.CreateCampaign) (commands.Result, error) {
		got = c
		return commands.Result{}, nil
	}
	rec := a.Must(http.StatusCreated, "POST", "/api/v2/campaigns", map[string]any{"name": "lab", "update": v2Update,
		"groups": []string{"lab", "field"}, "metadata": []any{map[string]any{"type": "DESCRIPTION", "value": "x"}}, "approvalNeeded": true})
	want := domain.CampaignSpec{Name: "lab", ManifestID: "manifest-of-7c1b2a3d4e5f4a6b8c7d9e0f1a2b3c4d", DeviceFilter: "state__eq=registered",
		UpdateID: "7c1b2a3d4e5f4a6b8c7d9e0f1a2b3c4d", Groups: []string{"lab", "field"},
		Metadata: []domain.CampaignMetadata{{Type: domain.MetadataDescription, Value: "x"}}, ConsentRequired: true}
	if diff := cmp.Diff(want, got.Spec); diff != "" {
		t.Errorf("spec sent (-want +got):\n%s", diff)
	}
	if body := rec.Body.String(); len(body) != 39 || body[0] != '"' { // a quoted dashed UUID and a newline
		t.Errorf("body %q, want the id as a JSON string", body)
	}
}

// Behind a trusted gateway, x-ats-namespace names the account of a v2
// request without a key; otherwise the header is ignored and a key is
// needed.
func TestTheNamespaceHeaderCountsOnlyBehindATrustedGateway(t *testing.T) {
	behind := newAPI(t, func(d *httpapi.Deps) { d.TrustedGateway = true })
	behind.Call("GET", "/api/v2/campaigns/count", "", nil, "x-ats-namespace", "globex")
	if calls := behind.ports.called(); len(calls) != 1 || calls[0].Account != "globex" {
		t.Errorf("behind a gateway: calls %v, want one in globex", calls)
	}
	apitest.CampaignerErrorOf(t, behind.Call("GET", "/api/v2/campaigns/count", "", nil, "x-ats-namespace", "not-an-account"),
		http.StatusBadRequest, "invalid_entity")
	apitest.ErrorOf(t, behind.Call("GET", "/v3/devices", "", nil, "x-ats-namespace", "globex"), http.StatusUnauthorized)

	direct := newAPI(t)
	apitest.CampaignerErrorOf(t, direct.Call("GET", "/api/v2/campaigns/count", "", nil, "x-ats-namespace", "globex"),
		http.StatusUnauthorized, "unauthorized")
	if calls := direct.ports.called(); len(calls) != 0 {
		t.Errorf("without a gateway: calls %v", calls)
	}
}

// Campaigner's paging parameters: limit defaults to 50 and is capped at
// 1,000; a negative offset or a zero limit answers 400.
func TestCampaignerPagingParameters(t *testing.T) {
	a := newAPI(t)
	for _, tc := range []struct {
		query         string
		offset, limit float64
	}{
		{"", 0, 50},
		{"?offset=20&limit=10", 20, 10},
		{"?limit=5000", 0, 1000},
	} {
		for _, path := range []string{"/api/v2/campaigns", "/api/v2/updates"} {
			page := apitest.Object(t, a.Must(http.StatusOK, "GET", path+tc.query, nil))
			if page["offset"] != tc.offset || page["limit"] != tc.limit || page["total"] != 0.0 {
				t.Errorf("GET %s%s: %v, want offset %v limit %v", path, tc.query, page, tc.offset, tc.limit)
			}
		}
	}
	for _, query := range []string{"?offset=-1", "?limit=0", "?limit=x", "?sortBy=size", "?withErrors=yes"} {
		apitest.CampaignerErrorOf(t, a.Call("GET", "/api/v2/campaigns"+query, acmeKey, nil), http.StatusBadRequest, "invalid_entity")
	}
}
