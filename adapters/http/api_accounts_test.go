package http_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// manifestBody is a valid manifest registration.
var manifestBody = map[string]any{"name": "firmware 2", "device_class": "class-1", "delivered_payload_url": "https://fw.example/2.bin",
	"delivered_payload_digest": "digest-2", "delivered_payload_size": 2048}

// campaign1 is the path of a campaign the fakes find.
const campaign1 = "/v3/update-campaigns/campaign-1"

// v2Campaign1 is a campaign id in Campaigner's dashed UUID form.
const v2Campaign1 = "0157f3a2-b6c9-4d5e-8f0a-1b2c3d4e5f60"

// keyedRoutes are the routes behind an API key, each with a body it takes.
var keyedRoutes = []struct {
	method, path string
	body         any
}{
	{"POST", "/v3/devices", map[string]any{"id": "dev-1"}},
	{"POST", "/v3/devices/bulk", map[string]any{"devices": []any{map[string]any{"id": "dev-1"}}}},
	{"GET", "/v3/devices", nil},
	{"GET", "/v3/devices/dev-1", nil},
	{"PUT", "/v3/devices/dev-1", map[string]any{"name": "x"}},
	{"DELETE", "/v3/devices/dev-1", nil},
	{"POST", "/v3/firmware-manifests", manifestBody},
	{"GET", "/v3/firmware-manifests", nil},
	{"GET", "/v3/firmware-manifests/m-1", nil},
	{"DELETE", "/v3/firmware-manifests/m-1", nil},
	{"POST", "/v3/update-campaigns", campaignBody("theirs", "m-1")},
	{"GET", "/v3/update-campaigns", nil},
	{"GET", campaign1, nil},
	{"PUT", campaign1, map[string]any{"name": "theirs"}},
	{"DELETE", campaign1, nil},
	{"POST", campaign1 + "/start", nil},
	{"POST", campaign1 + "/stop", nil},
	{"POST", campaign1 + "/archive", nil},
	{"GET", campaign1 + "/campaign-device-metadata", nil},
	{"GET", campaign1 + "/campaign-device-metadata/md-1", nil},
	{"GET", campaign1 + "/statistics", nil},
	{"GET", campaign1 + "/statistics/fail", nil},
	{"GET", campaign1 + "/statistics/fail/event_types", nil},
	{"GET", campaign1 + "/statistics/fail/event_types/upd4_fail_101", nil},
	{"GET", campaign1 + "/metrics", nil},
	{"GET", "/api/v2/campaigns/" + v2Campaign1 + "/stats", nil},
	{"POST", "/api/v2/updates", map[string]any{"name": "u", "updateSource": map[string]any{"id": "m-1", "sourceType": "external"}}},
	{"GET", "/api/v2/updates", nil},
	{"GET", "/api/v2/updates/" + v2Update, nil},
	{"POST", "/api/v2/campaigns", map[string]any{"name": "theirs", "update": v2Update, "groups": []string{"g"}}},
	{"GET", "/api/v2/campaigns", nil},
	{"GET", "/api/v2/campaigns/count", nil},
	{"GET", "/api/v2/campaigns/" + v2Campaign1, nil},
	{"PUT", "/api/v2/campaigns/" + v2Campaign1, map[string]any{"name": "theirs"}},
	{"POST", "/api/v2/campaigns/" + v2Campaign1 + "/devices/dev-1/accept", nil},
}

// Every route sends and reads in the account of the request's key only:
// globex's requests reach the service as globex's, whatever ids they name.
func TestEveryRouteActsInTheKeysAccount(t *testing.T) {
	for _, r := range keyedRoutes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			a := newAPI(t)
			if rec := a.Call(r.method, r.path, globexKey, r.body); rec.Code >= 300 {
				t.Fatalf("status %d %s", rec.Code, rec.Body)
			}
			calls := a.ports.called()
			if len(calls) == 0 {
				t.Fatal("nothing reached the service")
			}
			for _, c := range calls {
				if c.Account != "globex" {
					t.Errorf("%s in account %q, want globex", c.Method, c.Account)
				}
			}
		})
	}
}

// What the service does not find in the key's account answers 404 with
// an error object that names only what the caller asked for.
func TestAnObjectOutsideTheAccountAnswersNotFound(t *testing.T) {
	a := newAPI(t)
	a.ports.campaign = func(account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
		return projections.Campaign{}, domain.NotFoundError{Object: "update campaign", ID: string(id)}
	}
	e := apitest.ErrorOf(t, a.Call("GET", "/v3/update-campaigns/campaign-1", globexKey, nil), http.StatusNotFound)
	if e.Type != "not_found" || !strings.Contains(e.Message, "campaign-1") {
		t.Errorf("error %+v", e)
	}
}

// A list route's paging parameters are checked before any query.
func TestInvalidPagingParametersAnswer400(t *testing.T) {
	a := newAPI(t)
	for _, path := range []string{"/v3/devices", "/v3/firmware-manifests", "/v3/update-campaigns",
		"/v3/update-campaigns/campaign-1/campaign-device-metadata"} {
		for q, field := range map[string]string{"limit=ten": "limit", "order=sideways": "order", "after=%ff": "after"} {
			e := apitest.ErrorOf(t, a.Call("GET", path+"?"+q, acmeKey, nil), http.StatusBadRequest)
			if !slices.Equal(e.FieldNames(), []string{field}) {
				t.Errorf("%s?%s: fields %v, want [%s]", path, q, e.FieldNames(), field)
			}
		}
	}
	if got := a.ports.called(); len(got) != 0 {
		t.Errorf("calls that reached the service: %v", got)
	}
	p := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/devices?limit=2&order=DESC", nil))
	if p.Limit != 2 || p.Order != "DESC" {
		t.Errorf("page %+v, want limit 2, DESC", p)
	}
}

// Every /v3 list clamps a limit outside 2 to 1000 to the nearest bound, as
// Pelion does, rather than refuse it.
func TestAListClampsItsLimit(t *testing.T) {
	a := newAPI(t)
	for _, path := range []string{"/v3/devices", "/v3/firmware-manifests", "/v3/update-campaigns",
		"/v3/update-campaigns/campaign-1/campaign-device-metadata"} {
		for limit, want := range map[string]int{"1": 2, "0": 2, "1001": 1000, "5000": 1000} {
			if p := apitest.PageOf(t, a.Must(http.StatusOK, "GET", path+"?limit="+limit, nil)); p.Limit != want {
				t.Errorf("%s?limit=%s: page limit %d, want %d", path, limit, p.Limit, want)
			}
		}
	}
}

// A device write answers at once; the account's next read waits until the
// read models reach the write, another account's reads do not wait.
func TestAReadWaitsForTheAccountsWrites(t *testing.T) {
	reached := make(chan eventstore.Position, 1)
	a := newAPI(t, func(d *httpapi.Deps) {
		d.WaitFor = func(ctx context.Context, pos eventstore.Position) error {
			select {
			case got := <-reached:
				if got != pos {
					t.Errorf("waited for %v, then %v", pos, got)
				}
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	})
	a.Must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": "dev-1"})
	a.Must(http.StatusNoContent, "DELETE", "/v3/devices/dev-1", nil)
	if rec := a.Call("GET", "/v3/devices", globexKey, nil); rec.Code != http.StatusOK {
		t.Fatalf("globex's read: %d %s", rec.Code, rec.Body)
	}

	answered := make(chan *httptest.ResponseRecorder, 1)
	go func() { answered <- a.Call("GET", "/v3/devices/dev-1", acmeKey, nil) }()
	select {
	case rec := <-answered:
		t.Fatalf("GET answered %d before the read models reached the writes", rec.Code)
	case <-time.After(100 * time.Millisecond):
	}
	reached <- eventstore.Position{Commit: 2} // the delete's, the later write
	if rec := <-answered; rec.Code != http.StatusOK {
		t.Fatalf("GET after the writes: %d %s", rec.Code, rec.Body)
	}
	// Reached once, the write is not waited for again.
	a.Must(http.StatusOK, "GET", "/v3/devices/dev-1", nil)
	want := []call{{"RegisterDevice", "acme"}, {"DeregisterDevice", "acme"}, {"ListDevices", "globex"}, {"Device", "acme"}, {"Device", "acme"}}
	if diff := cmp.Diff(want, a.ports.called()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
