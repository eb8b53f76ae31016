package http_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

func TestRequestsWithoutAKnownKeyAnswer401(t *testing.T) {
	a := newAPI(t)
	for _, auth := range []string{"", "Bearer nope", "Basic " + acmeKey, acmeKey} {
		req := a.Call("GET", "/v3/update-campaigns", "", nil, "Authorization", auth)
		apitest.ErrorOf(t, req, http.StatusUnauthorized)
	}
	apitest.ErrorOf(t, a.Call("POST", "/v3/connector/notifications", "", []byte(`{}`)), http.StatusUnauthorized)
	apitest.ErrorOf(t, a.Call("POST", "/v3/devices/bulk", "nope", []byte(`{}`)), http.StatusUnauthorized)
	if rec := a.Call("GET", "/healthz", "", nil); rec.Code != http.StatusOK {
		t.Errorf("healthz without a key: %d", rec.Code)
	}
	if got := a.ports.called(); len(got) != 0 {
		t.Errorf("requests without a key reached the service: %v", got)
	}
}

func TestInvalidCampaignsAnswer400NamingTheFields(t *testing.T) {
	a := newAPI(t)
	const m = "manifest-1"
	a.ports.createCampaign = func(c commands.CreateCampaign) (commands.Result, error) {
		if c.Spec.ManifestID != m {
			return commands.Result{}, domain.InvalidError{Field: "root_manifest_id", Reason: "no manifest of the account has this id"}
		}
		return commands.Result{}, nil
	}
	for _, tc := range []struct {
		name   string
		body   any
		fields []string
	}{
		{"rules of the domain", map[string]any{"name": strings.Repeat("n", 129), "root_manifest_id": m, "device_filter": "state__eq=registered",
			"autostop_success_percent": 200, "campaign_strategy": "sometimes"}, []string{"name", "campaign_strategy", "autostop_success_percent"}},
		{"a field the command refuses", map[string]any{"name": "x", "root_manifest_id": "nope", "device_filter": "state__eq=registered"}, []string{"root_manifest_id"}},
		{"bad device filter", map[string]any{"name": "x", "root_manifest_id": m, "device_filter": "colour__eq=red"}, []string{"device_filter"}},
		{"bad when", map[string]any{"name": "x", "root_manifest_id": m, "device_filter": "state__eq=registered", "when": "tomorrow"}, []string{"when"}},
		{"wrong type", map[string]any{"name": 5, "root_manifest_id": m, "device_filter": "state__eq=registered"}, []string{"name"}},
		{"not JSON", []byte(`{"name": "x"`), []string{"body"}},
		{"two objects", []byte(`{"name": "x"} {}`), []string{"body"}},
	} {
		e := apitest.ErrorOf(t, a.Call("POST", "/v3/update-campaigns", acmeKey, tc.body), http.StatusBadRequest)
		if e.Type != "validation_error" || !slices.Equal(e.FieldNames(), tc.fields) {
			t.Errorf("%s: type %s fields %v, want %v (%s)", tc.name, e.Type, e.FieldNames(), tc.fields, e.Message)
		}
	}
	if diff := cmp.Diff([]string{"CreateCampaign"}, a.ports.wrote()); diff != "" {
		t.Errorf("writes sent (-want +got):\n%s", diff)
	}
}

func TestBodiesOverTheLimitAnswer413(t *testing.T) {
	a := newAPI(t)
	big := []byte(`{"name": "` + strings.Repeat("x", 1<<20) + `"}`)
	apitest.ErrorOf(t, a.Call("POST", "/v3/update-campaigns", acmeKey, big), http.StatusRequestEntityTooLarge)
	apitest.ErrorOf(t, a.Call("POST", "/v3/devices", acmeKey, big), http.StatusRequestEntityTooLarge)
	// The bulk import takes 64 MiB: 2 MiB is no problem.
	bulk := []byte(`{"devices": [{"id": "d1", "description": "` + strings.Repeat("x", 2000) + `"}], "padding": "` + strings.Repeat("x", 2<<20) + `"}`)
	if rec := a.Call("POST", "/v3/devices/bulk", acmeKey, bulk); rec.Code != http.StatusAccepted {
		t.Errorf("bulk import of 2 MiB: %d %s", rec.Code, rec.Body)
	}
	if diff := cmp.Diff([]string{"RegisterDevices"}, a.ports.wrote()); diff != "" {
		t.Errorf("writes sent (-want +got):\n%s", diff)
	}
}

// The name is checked against the account's other campaigns, never
// against the campaign being renamed.
func TestDuplicateCampaignNamesAnswer409(t *testing.T) {
	a := newAPI(t)
	const alpha = "campaign-alpha"
	a.ports.nameInUse = func(account domain.AccountID, name string, except domain.CampaignID) (bool, error) {
		return account == "acme" && name == "alpha" && except != alpha, nil
	}
	body := campaignBody("alpha", "m")
	if e := apitest.ErrorOf(t, a.Call("POST", "/v3/update-campaigns", acmeKey, body), http.StatusConflict); !strings.Contains(e.Message, "alpha") {
		t.Errorf("message %q", e.Message)
	}
	apitest.ErrorOf(t, a.Call("PUT", "/v3/update-campaigns/campaign-beta", acmeKey, map[string]any{"name": "alpha"}), http.StatusConflict)
	// Renaming to its own name, or the same name in another account, is fine.
	a.Must(http.StatusOK, "PUT", "/v3/update-campaigns/"+alpha, map[string]any{"name": "alpha", "description": "first"})
	if rec := a.Call("POST", "/v3/update-campaigns", globexKey, body); rec.Code != http.StatusCreated {
		t.Errorf("globex's alpha: %d %s", rec.Code, rec.Body)
	}
	// A retried create with its Idempotency-Key is the same campaign, not a duplicate.
	retry := campaignBody("gamma", "m")
	one := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/update-campaigns", retry, "Idempotency-Key", "create-gamma"))
	two := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/update-campaigns", retry, "Idempotency-Key", "create-gamma"))
	if one["id"] != two["id"] || one["etag"] != two["etag"] {
		t.Errorf("retried create made %v and %v", one["id"], two["id"])
	}
	if diff := cmp.Diff([]string{"EditCampaign", "CreateCampaign", "CreateCampaign"}, a.ports.wrote()); diff != "" {
		t.Errorf("writes sent (-want +got):\n%s", diff)
	}
}
