package api_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// A campaign's progress stream reads the read models: its first event
// holds the counters the metrics answer and the fail event types the
// statistics count.
func TestTheProgressStreamShowsTheReadModelsNumbers(t *testing.T) {
	a := newAPI(t)
	id := campaignWithOutcomes(t, a)
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	req, err := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/v3/update-campaigns/"+id+"/progress", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+acmeKey)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = res.Body.Close() })
	ev := apitest.ReadEvent(t, bufio.NewReader(res.Body))
	if res.StatusCode != http.StatusOK || ev.Event != "progress" || ev.ID != "1" || len(ev.Data) != 1 {
		t.Fatalf("status %d, first event %+v; want 200 and event 1, progress, one data line", res.StatusCode, ev)
	}
	var got struct {
		Phase    string           `json:"phase"`
		Counters map[string]int   `json:"counters"`
		Failures []map[string]any `json:"failures"`
	}
	if err := json.Unmarshal([]byte(ev.Data[0]), &got); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, k := range []string{"targeted", "deployed", "failed_total", "pending", "in_progress", "skipped", "rejected"} {
		seen[k] = got.Counters[k]
	}
	want := map[string]int{"targeted": 9, "deployed": 1, "failed_total": 4, "pending": 2, "in_progress": 0, "skipped": 2, "rejected": 0}
	if diff := cmp.Diff(want, seen); diff != "" || got.Phase != "draft" {
		t.Errorf("phase %s, counters (-want +got):\n%s", got.Phase, diff)
	}
	wantFailures := []map[string]any{{"code": "SYS_111", "count": 1.0}, {"code": "SYS_120", "count": 1.0}, {"code": "UPD4_FAIL_101", "count": 2.0}}
	if diff := cmp.Diff(wantFailures, got.Failures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
}
