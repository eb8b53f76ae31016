package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeHistoryAPI serves the history API's shape (the page object and its
// update-event entries, paged with after and limit) for one campaign, to
// the key "k1".
func fakeHistoryAPI(t *testing.T, entries []map[string]any) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k1" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"object":"error","code":401,"type":"unauthorized","message":"unknown API key"}`))
			return
		}
		if r.URL.Path != "/v3/update-campaigns/c1/events" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"object":"error","code":404,"type":"not_found","message":"update campaign not found"}`))
			return
		}
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		after, _ := strconv.Atoi(r.URL.Query().Get("after"))
		var data []map[string]any
		for _, e := range entries {
			if p, _ := strconv.Atoi(e["position"].(string)); p > after && len(data) < limit {
				data = append(data, e)
			}
		}
		last := data[len(data)-1]["position"]
		more, _ := strconv.Atoi(last.(string))
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "limit": limit, "after": r.URL.Query().Get("after"),
			"has_more": more < len(entries)*10})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// events makes n entries of campaign c1, at positions 10, 20, ...
func events(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"object": "update-event", "type": "CampaignBatchRecorded", "data": map[string]any{"batch": i},
			"stream": "campaign-c1", "revision": i, "position": strconv.Itoa(10 * (i + 1)), "recorded_at": fmt.Sprintf("2026-01-01T00:00:%02dZ", i),
			"account_id": "acme", "correlation_id": "corr", "causation_id": ""}
	}
	return out
}

// history reads every page of the API; export writes the header and each
// event a line; verify-export passes on the file and names the position
// and field of an edited event and of a dropped one.
func TestExportAndVerifyExportThroughTheHistoryAPI(t *testing.T) {
	srv := fakeHistoryAPI(t, events(7))
	getenv := func(k string) string {
		return map[string]string{"UPDATE_SERVICE_API": srv.URL, "UPDATE_SERVICE_KEY": "k1"}[k]
	}
	code, stdout, stderr := updatectl(t, getenv, "history", "campaign", "c1", "--limit", "3", "-o", "json")
	var got []historyEntry
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != exitOK {
		t.Fatalf("history: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}
	var positions []string
	for _, h := range got {
		positions = append(positions, h.Position)
	}
	if diff := cmp.Diff([]string{"10", "20", "30", "40", "50", "60", "70"}, positions); diff != "" {
		t.Errorf("history positions (-want +got):\n%s", diff)
	}

	file := filepath.Join(t.TempDir(), "c1.ndjson")
	if code, _, stderr := updatectl(t, getenv, "export", "campaign", "c1", "--limit", "2", "-f", file); code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	if code, stdout, stderr := updatectl(t, getenv, "verify-export", file); code != exitOK || !strings.Contains(stdout, "7 events checked, 0 problems") {
		t.Fatalf("verify-export of an untouched export: exit %d\n%s%s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	lines[3] = strings.Replace(lines[3], `"batch":2`, `"batch":9`, 1)
	lines = append(lines[:5], lines[6:]...) // the event at position 50
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = updatectl(t, getenv, "verify-export", file, "-o", "json")
	var report struct {
		Events   int             `json:"events"`
		Problems []exportProblem `json:"problems"`
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil || code != exitFailed {
		t.Fatalf("verify-export of an edited export: exit %d, want %d; %v\n%s", code, exitFailed, err, stdout)
	}
	want := []exportProblem{
		{"30", `data differs: file {"batch":9}, service {"batch":2}`},
		{"50", "in the service's history (CampaignBatchRecorded), missing from the file"},
	}
	if diff := cmp.Diff(want, report.Problems); diff != "" || report.Events != 6 {
		t.Errorf("%d events; problems (-want +got):\n%s", report.Events, diff)
	}
}

// A wrong key is a failure that says which setting to check.
func TestHistoryWithAWrongKeySaysWhichSettingToCheck(t *testing.T) {
	srv := fakeHistoryAPI(t, events(1))
	code, _, stderr := updatectl(t, func(string) string { return "" }, "history", "campaign", "c1", "--api", srv.URL, "--key", "wrong")
	if code != exitFailed || !strings.Contains(stderr, "unknown API key (check UPDATE_SERVICE_KEY or --key)") {
		t.Errorf("exit %d, want %d\n%s", code, exitFailed, stderr)
	}
}
