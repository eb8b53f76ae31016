package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/internal/wiring"
	"github.com/updateservice/updateservice/projections"
)

// api serves the service's real HTTP API; k1 is a key of acme.
func (s *service) api(t *testing.T) *httptest.Server {
	t.Helper()
	deps := wiring.HTTPPorts(s.h, projections.NewQueries(s.pool), projections.NewHistory(s.pool, s.store))
	deps.WaitFor = s.runner.WaitFor
	deps.APIKeys = map[string]httpapi.Grant{"k1": {Account: "acme"}}
	deps.Log = slog.New(slog.DiscardHandler)
	srv := httptest.NewServer(httpapi.NewHandler(deps))
	t.Cleanup(srv.Close)
	return srv
}

// getJSON reads path from the API as acme and decodes the answer.
func getJSON(t *testing.T, srv *httptest.Server, path string, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer k1")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, v) != nil {
		t.Fatalf("GET %s: %s\n%s", path, resp.Status, body)
	}
}

// exportReport is verify-export's JSON output.
type exportReport struct {
	Events   int             `json:"events"`
	Problems []exportProblem `json:"problems"`
	Counters struct {
		Counters    map[string]any      `json:"counters"`
		Metrics     map[string]any      `json:"metrics"`
		Differences []counterDifference `json:"differences"`
	} `json:"counters"`
}

func verifyExport(t *testing.T, getenv func(string) string, args ...string) (int, exportReport) {
	t.Helper()
	code, stdout, stderr := updatectl(t, getenv, append([]string{"verify-export", "-o", "json"}, args...)...)
	var r exportReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("verify-export: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}
	return code, r
}

// liveCounters are the campaign's campaign_counters row, by column, as
// verify-export prints recounted ones.
func (s *service) liveCounters(t *testing.T) map[string]any {
	t.Helper()
	k, err := projections.NewQueries(s.pool).CampaignCounters(context.Background(), "acme", "c1")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{"updated_at": show(k.UpdatedAt)}
	for _, n := range counterList(k) {
		out[n.Name] = float64(n.Count)
	}
	return out
}

// editLine replaces old by new in the first event line of file that holds
// every one of match, and returns that event's position.
func editLine(t *testing.T, file, old, replacement string, match ...string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(raw, []byte("\n"))
	for i, line := range lines[1:] {
		if !bytes.Contains(line, []byte(old)) || !containsAll(string(line), match) {
			continue
		}
		lines[i+1] = bytes.Replace(line, []byte(old), []byte(replacement), 1)
		if err := os.WriteFile(file, bytes.Join(lines, nil), 0o600); err != nil {
			t.Fatal(err)
		}
		var h historyEntry
		if err := json.Unmarshal(line, &h); err != nil {
			t.Fatal(err)
		}
		return h.Position
	}
	t.Fatalf("%s: no event holds %q and %q", file, old, match)
	return ""
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
