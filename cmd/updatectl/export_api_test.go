package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// On the real API, over a campaign the real engine ran to its end: two
// exports are the same bytes, their header holds the live metrics, and
// verify-export recounts from the file alone the live campaign_counters;
// once a device's last step is edited from deployed to failed it exits 1
// naming the two metrics that move.
func TestExportOfAFinishedCampaignRecountsToTheLiveCounters(t *testing.T) {
	s := newService(t)
	s.runCampaign(t, "acme", "c1", 30)
	srv := s.api(t)
	getenv := s.env("UPDATE_SERVICE_API", srv.URL, "UPDATE_SERVICE_KEY", "k1")
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first.ndjson"), filepath.Join(dir, "second.ndjson")
	for _, file := range []string{first, second} {
		if code, _, stderr := updatectl(t, getenv, "export", "campaign", "c1", "--limit", "7", "-f", file); code != exitOK {
			t.Fatalf("export: exit %d\n%s", code, stderr)
		}
	}
	a, _ := os.ReadFile(first)
	b, _ := os.ReadFile(second)
	if diff := cmp.Diff(string(a), string(b)); diff != "" {
		t.Errorf("two exports of a finished campaign differ (-first +second):\n%s", diff)
	}

	var header exportHeader
	if err := json.Unmarshal(a[:strings.IndexByte(string(a), '\n')], &header); err != nil {
		t.Fatal(err)
	}
	var inHeader, live map[string]any
	_ = json.Unmarshal(header.Metrics, &inHeader)
	getJSON(t, srv, "/v3/update-campaigns/c1/metrics", &live)
	if diff := cmp.Diff(live, inHeader); diff != "" || header.AsOf == nil {
		t.Errorf("the header's metrics as of %v (-live +header):\n%s", header.AsOf, diff)
	}

	code, report := verifyExport(t, getenv, first)
	if code != exitOK || len(report.Problems) > 0 || len(report.Counters.Differences) > 0 {
		t.Errorf("verify-export of an untouched export: exit %d, %+v", code, report)
	}
	if diff := cmp.Diff(s.liveCounters(t), report.Counters.Counters); diff != "" {
		t.Errorf("recounted counters (-campaign_counters +recounted):\n%s", diff)
	}
	if diff := cmp.Diff(live, report.Counters.Metrics, cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == `["object"]`
	}, cmp.Ignore())); diff != "" {
		t.Errorf("recounted metrics (-live +recounted):\n%s", diff)
	}

	editLine(t, first, `"to":"deployed"`, `"to":"failed"`, `"type":"DeviceUpdateStateChanged"`)
	code, report = verifyExport(t, getenv, first)
	want := []counterDifference{
		{Counter: "success_count", Header: "27", Recomputed: "26"},
		{Counter: "failed_count", Header: "3", Recomputed: "4"},
	}
	if diff := cmp.Diff(want, report.Counters.Differences); diff != "" || code != exitFailed {
		t.Errorf("verify-export of an edited export: exit %d, want %d; differences (-want +got):\n%s", code, exitFailed, diff)
	}
	code, stdout, _ := updatectl(t, getenv, "verify-export", first)
	if code != exitFailed || !strings.Contains(stdout, "success_count differs:  header 27, recomputed 26") {
		t.Errorf("verify-export's table: exit %d\n%s", code, stdout)
	}
}
