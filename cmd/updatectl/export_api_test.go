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

	// From the file alone: no API, no database.
	alone := func(string) string { return "" }
	code, report := verifyExport(t, alone, first)
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
	code, report = verifyExport(t, alone, first)
	want := []counterDifference{
		{Counter: "success_count", Header: "27", Recomputed: "26"},
		{Counter: "failed_count", Header: "3", Recomputed: "4"},
	}
	if diff := cmp.Diff(want, report.Counters.Differences); diff != "" || code != exitFailed {
		t.Errorf("verify-export of an edited export: exit %d, want %d; differences (-want +got):\n%s", code, exitFailed, diff)
	}
	code, stdout, _ := updatectl(t, alone, "verify-export", first)
	if code != exitFailed || !strings.Contains(stdout, "success_count differs:  header 27, recomputed 26") {
		t.Errorf("verify-export's table: exit %d\n%s", code, stdout)
	}
}

// On the real API: history prints the campaign's whole history in order,
// as a table and as JSON, the export's events; verify-export --compare-live
// names the field of an edited event; a wrong key says what to check.
func TestHistoryAndCompareLiveOnTheRealAPI(t *testing.T) {
	s := newService(t)
	s.runCampaign(t, "acme", "c1", 12)
	srv := s.api(t)
	getenv := s.env("UPDATE_SERVICE_API", srv.URL, "UPDATE_SERVICE_KEY", "k1")
	file := filepath.Join(t.TempDir(), "c1.ndjson")
	if code, _, stderr := updatectl(t, getenv, "export", "campaign", "c1", "-f", file); code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	raw, _ := os.ReadFile(file)
	var exported []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n")[1:] {
		var h historyEntry
		_ = json.Unmarshal([]byte(line), &h)
		exported = append(exported, h.Position+" "+h.Type)
	}

	code, stdout, stderr := updatectl(t, getenv, "history", "campaign", "c1", "--limit", "5", "-o", "json")
	var entries []historyEntry
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil || code != exitOK {
		t.Fatalf("history -o json: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}
	var listed []string
	for _, h := range entries {
		listed = append(listed, h.Position+" "+h.Type)
	}
	if diff := cmp.Diff(exported, listed); diff != "" || len(listed) < 12*3 {
		t.Errorf("history -o json of %d events (-export +history):\n%s", len(listed), diff)
	}
	code, stdout, _ = updatectl(t, getenv, "history", "campaign", "c1")
	var tabled []string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n")[1:] {
		f := strings.Fields(line)
		tabled = append(tabled, f[0]+" "+f[2])
	}
	if diff := cmp.Diff(exported, tabled); diff != "" || code != exitOK || !strings.HasPrefix(stdout, "POSITION") {
		t.Errorf("history as a table: exit %d (-export +table):\n%s\n%s", code, diff, stdout)
	}

	position := editLine(t, file, `"result_code":18`, `"result_code":19`)
	code, report := verifyExport(t, getenv, file, "--compare-live")
	want := []exportProblem{{position, `data differs: file ` + entryData(t, file, position) + `, service ` +
		strings.Replace(entryData(t, file, position), `"result_code":19`, `"result_code":18`, 1)}}
	if diff := cmp.Diff(want, report.Problems); diff != "" || code != exitFailed {
		t.Errorf("verify-export --compare-live: exit %d, problems (-want +got):\n%s", code, diff)
	}

	device := filepath.Join(t.TempDir(), "dev.ndjson")
	if code, _, stderr := updatectl(t, getenv, "export", "device", "dev-000009", "-f", device); code != exitOK {
		t.Fatalf("export device: exit %d\n%s", code, stderr)
	}
	if code, report := verifyExport(t, getenv, device); code != exitOK || report.Events < 3 || report.Counters.Counters != nil {
		t.Errorf("verify-export of a device's export, which has no counters: exit %d, %+v", code, report)
	}

	code, _, stderr = updatectl(t, s.env(), "history", "campaign", "c1", "--api", srv.URL, "--key", "wrong")
	if code != exitFailed || !strings.Contains(stderr, "(check UPDATE_SERVICE_KEY or --key)") {
		t.Errorf("history with a wrong key: exit %d, want %d\n%s", code, exitFailed, stderr)
	}
}

// entryData is the data of the file's event at position, compacted.
func entryData(t *testing.T, file, position string) string {
	t.Helper()
	_, entries, err := readExport(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range entries {
		if h.Position == position {
			return compactJSON(h.Data)
		}
	}
	t.Fatalf("no event at %s", position)
	return ""
}
