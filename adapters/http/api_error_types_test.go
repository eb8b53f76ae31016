package http_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// Every error a /v3 route answers carries one of Pelion's six error
// types, whatever part of the API refused: the domain's kinds, the
// authentication, the roles, the router, the body limit, the
// Idempotency-Key and the rate limit.
func TestEveryV3ErrorHasAPelionType(t *testing.T) {
	failWith := func(err error) func(*httpapi.Deps) {
		return func(d *httpapi.Deps) {
			fake := d.Campaigns.(*ports)
			fake.createCampaign = func(commands.CreateCampaign) (commands.Result, error) { return commands.Result{}, err }
		}
	}
	create := func(a *api) *httptest.ResponseRecorder {
		return a.Call("POST", "/v3/update-campaigns", acmeKey, campaignBody("alpha", "m"))
	}
	for _, c := range []struct {
		name    string
		options []func(*httpapi.Deps)
		request func(*api) *httptest.ResponseRecorder
		status  int
		want    string
	}{
		{"an invalid input", nil, func(a *api) *httptest.ResponseRecorder {
			return a.Call("GET", "/v3/update-campaigns?order=sideways", acmeKey, nil)
		}, http.StatusBadRequest, "validation_error"},
		{"no API key", nil, func(a *api) *httptest.ResponseRecorder {
			return a.Call("GET", "/v3/update-campaigns", "", nil)
		}, http.StatusUnauthorized, "unauthorized"},
		{"an auditor's write", []func(*httpapi.Deps){withKeys(map[string]httpapi.Grant{acmeKey: {Account: "acme", Role: httpapi.RoleAuditor}})},
			create, http.StatusForbidden, "forbidden"},
		{"an account limit", []func(*httpapi.Deps){failWith(domain.LimitExceededError{Limit: "campaigns", Max: 1})},
			create, http.StatusForbidden, "forbidden"},
		{"an unknown campaign", []func(*httpapi.Deps){failWith(domain.NotFoundError{Object: "manifest", ID: "m"})},
			create, http.StatusNotFound, "not_found"},
		{"a method the route does not take", nil, func(a *api) *httptest.ResponseRecorder {
			return a.Call("DELETE", "/v3/update-campaigns/campaign-1/statistics", acmeKey, nil)
		}, http.StatusMethodNotAllowed, "validation_error"},
		{"a conflict", []func(*httpapi.Deps){failWith(domain.ConflictError{Reason: "the name is taken"})},
			create, http.StatusConflict, "conflict"},
		{"a body over the limit", nil, func(a *api) *httptest.ResponseRecorder {
			return a.Call("POST", "/v3/update-campaigns", acmeKey, []byte(`{"name":"`+strings.Repeat("a", 2<<20)+`"}`))
		}, http.StatusRequestEntityTooLarge, "validation_error"},
		{"an Idempotency-Key reused for another body", nil, func(a *api) *httptest.ResponseRecorder {
			a.Must(http.StatusCreated, "POST", "/v3/update-campaigns", campaignBody("alpha", "m"), "Idempotency-Key", "k")
			return a.Call("POST", "/v3/update-campaigns", acmeKey, campaignBody("beta", "m"), "Idempotency-Key", "k")
		}, http.StatusUnprocessableEntity, "validation_error"},
		{"a rate limit", []func(*httpapi.Deps){func(d *httpapi.Deps) { d.RateLimit = httpapi.RateLimit{Requests: 1, Window: time.Minute} }},
			func(a *api) *httptest.ResponseRecorder {
				a.Must(http.StatusOK, "GET", "/v3/update-campaigns", nil)
				return a.Call("GET", "/v3/update-campaigns", acmeKey, nil)
			}, http.StatusTooManyRequests, "forbidden"},
		{"an internal failure", []func(*httpapi.Deps){failWith(errors.New("the disk is full"))},
			create, http.StatusInternalServerError, "internal_error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newAPI(t, c.options...)
			if e := apitest.ErrorOf(t, c.request(a), c.status); e.Type != c.want {
				t.Errorf("type %q, want %q (%+v)", e.Type, c.want, e)
			}
		})
	}
}
