package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// An event recorded before the export's as_of but committed after its
// first read (the history API shows it only later, after the last
// position) goes into the file, and the metrics are read again: the
// header's metrics count exactly the file's events. A race the real
// service shows too rarely to test, hence a hand-written API.
func TestExportWritesTheEventsRecordedByAsOfThatCameLate(t *testing.T) {
	entry := func(position, recorded string) map[string]any {
		return map[string]any{"object": "update-event", "type": "CampaignBatchProcessed", "data": map[string]any{},
			"stream": "campaign-c1", "revision": len(position), "position": position, "recorded_at": "2026-01-01T00:00:" + recorded + "Z"}
	}
	late, metricsRead := []map[string]any{entry("300", "15")}, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case r.URL.Path == "/v3/update-campaigns/c1/metrics":
			metricsRead++
			_, _ = fmt.Fprintf(w, `{"object":"update-campaign-metrics","total_count":%d,"as_of":%q}`, metricsRead, q.Get("as_of"))
		case q.Get("recorded_at__lte") == "":
			_ = json.NewEncoder(w).Encode(map[string]any{"data": []any{entry("10", "10"), entry("20", "20")}})
		case q.Get("recorded_at__lte") == "2026-01-01T00:00:20Z" && q.Get("after") == "20":
			_ = json.NewEncoder(w).Encode(map[string]any{"data": late})
			late = nil
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"data": []any{}})
		}
	}))
	t.Cleanup(srv.Close)
	file := filepath.Join(t.TempDir(), "c1.ndjson")
	code, _, stderr := updatectl(t, func(string) string { return "" }, "export", "campaign", "c1", "--api", srv.URL, "--key", "k", "-f", file)
	raw, _ := os.ReadFile(file)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var header exportHeader
	if err := json.Unmarshal([]byte(lines[0]), &header); err != nil || code != exitOK {
		t.Fatalf("export: exit %d, %v\n%s", code, err, stderr)
	}
	var positions []string
	for _, line := range lines[1:] {
		var h historyEntry
		_ = json.Unmarshal([]byte(line), &h)
		positions = append(positions, h.Position)
	}
	got := []string{strings.Join(positions, " "), string(header.Metrics)}
	want := []string{"10 20 300", `{"object":"update-campaign-metrics","total_count":2,"as_of":"2026-01-01T00:00:20Z"}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("positions, metrics (-want +got):\n%s", diff)
	}
}
