package api_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// campaignBody is the body of a campaign create named name.
func campaignBody(name, manifest string) map[string]any {
	return map[string]any{"name": name, "root_manifest_id": manifest, "device_filter": "state__eq=registered"}
}

// Concurrent requests with one key create once: each answers the create,
// its replay, or 409; never two creates.
func TestConcurrentRequestsWithOneKeyCreateOnce(t *testing.T) {
	a := newAPI(t)
	body := campaignBody("alpha", a.manifest("class-1"))
	const n = 8
	recs := make([]*httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { recs[i] = a.Call("POST", "/v3/update-campaigns", acmeKey, body, "Idempotency-Key", "k") })
	}
	wg.Wait()
	created := 0
	for _, rec := range recs {
		switch {
		case rec.Code == http.StatusCreated && rec.Header().Get("Idempotent-Replayed") == "":
			created++
		case rec.Code == http.StatusCreated, rec.Code == http.StatusConflict:
		default:
			t.Errorf("answer %d %s", rec.Code, rec.Body)
		}
	}
	if created != 1 {
		t.Errorf("%d answers ran the create, want 1", created)
	}
	if p := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns", nil)); len(p.Data) != 1 {
		t.Errorf("campaigns %v", p.IDs("id"))
	}
}
