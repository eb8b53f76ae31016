package main_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// Given fleetsim as the Device Registry (two groups) and the Director
// (leaving a share of devices unaffected, failing installations with
// several codes, out of service for a while, reporting on Kafka), when a
// campaign made through /api/v2 over both groups runs on a service with
// DEVICE_REGISTRY_HOST and DIRECTOR_HOST, and then a retry-failed of one
// code, then the devices come from the Registry (the test registers none),
// the CSV names them by the Registry's own ids, and every v2 stats figure
// is exactly what fleetsim's record of its answers and reports gives.
func TestAV2CampaignAndItsRetryRunThroughTheRegistryAndTheDirector(t *testing.T) {
	const retried = "INSTALL_FAILED"
	groups := []int{130, 70}
	bin := buildBinaries(t)
	dir := t.TempDir()
	kafka := startKafka(t)
	ota := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	host, port, err := net.SplitHostPort(ota)
	if err != nil {
		t.Fatal(err)
	}
	_, c := startService(t, bin, dir, pgtest.NewDatabase(t), "KAFKA_HOST="+kafka, "DIRECTOR_HOST="+host, "DIRECTOR_PORT="+port,
		"DEVICE_REGISTRY_HOST="+host, "DEVICE_REGISTRY_PORT="+port,
		"SCHEDULER_BATCH_SIZE=25", "SCHEDULER_DELAY=50ms", "SCHEDULER_POLLING_TIMEOUT=1s", "DEVICE_UPDATE_TIMEOUT=20s")
	record := filepath.Join(dir, "director.jsonl")
	// The outage begins after three assignments and outlasts the client's
	// retries of one call (about 3 s): the pages assigned meanwhile fail.
	startFleetsim(t, bin, dir, "-roles", "registry,director", "-ota-listen", ota, "-kafka", kafka,
		"-groups", fmt.Sprintf("%d,%d", groups[0], groups[1]), "-seed", "7", "-director-unaffected", "0.2", "-director-latency", "20ms",
		"-director-results", "success=55,"+retried+"=15,DOWNLOAD_FAILED=10,19=10,none=10",
		"-director-outage-after", "3", "-director-outage-for", "6s", "-director-record", record)

	campaign := c.createV2Campaign(registryGroups(t, dir, len(groups)))
	c.do("POST", "/api/v2/campaigns/"+campaign+"/launch", nil, http.StatusOK, nil)
	id := strings.ReplaceAll(campaign, "-", "")
	c.waitFinished(id, time.Now().Add(time.Minute))
	var retry string
	c.do("POST", "/api/v2/campaigns/"+campaign+"/retry-failed", map[string]string{"failureCode": retried}, http.StatusCreated, &retry)
	c.waitFinished(strings.ReplaceAll(retry, "-", ""), time.Now().Add(time.Minute))

	events := readDirectorRecord(t, record)
	main, again := outcomesOf(events, id), outcomesOf(events, strings.ReplaceAll(retry, "-", ""))
	devices := groups[0] + groups[1]
	if main.assignFailed(devices) == 0 {
		t.Errorf("no page failed in the Director's outage: %+v", main)
	}
	want := expectedStats(campaign, devices, main, again, retried)
	var got v2Stats
	c.do("GET", "/api/v2/campaigns/"+campaign+"/stats", nil, http.StatusOK, &got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	c.checkRegistryIDsInCSV(campaign, "DOWNLOAD_FAILED", main.failed["DOWNLOAD_FAILED"])
}

// createV2Campaign creates an update of a new manifest and a campaign of
// it over groups through /api/v2, and returns the campaign's id.
func (c *client) createV2Campaign(groups []string) string {
	var manifest struct{ ID string }
	c.do("POST", "/v3/firmware-manifests", map[string]any{"name": "firmware 2", "device_class": "sensor",
		"timestamp": "2026-11-01T00:00:00Z", "delivered_payload_type": "full", "delivered_payload_url": "https://fw.example/2.bin",
		"delivered_payload_digest": e2eDigest, "delivered_payload_size": 1024}, http.StatusCreated, &manifest)
	var update, campaign string
	c.do("POST", "/api/v2/updates", map[string]any{"updateSource": map[string]string{"id": manifest.ID, "sourceType": "external"},
		"name": "firmware 2"}, http.StatusCreated, &update)
	c.do("POST", "/api/v2/campaigns", map[string]any{"name": "through the Registry and the Director", "update": update,
		"groups": groups}, http.StatusCreated, &campaign)
	return campaign
}

// registryGroups returns the ids of the n groups fleetsim's Registry
// prints at start.
func registryGroups(t *testing.T, dir string, n int) []string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		log, _ := os.ReadFile(filepath.Join(dir, "fleetsim.log"))
		if m := regexp.MustCompile(`group (\S+): \d+ devices`).FindAllSubmatch(log, -1); len(m) == n {
			out := make([]string, n)
			for i := range m {
				out[i] = string(m[i][1])
			}
			return out
		}
	}
	t.Fatalf("fleetsim printed no %d groups", n)
	return nil
}

// directorEvent is a line of fleetsim's -director-record.
type directorEvent struct {
	Event, Namespace, Device, CorrelationID, Outcome string
}

// readDirectorRecord reads fleetsim's record of the Director.
func readDirectorRecord(t *testing.T, path string) []directorEvent {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []directorEvent
	for lines := bufio.NewScanner(f); lines.Scan(); {
		var e directorEvent
		if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
			t.Fatalf("record line %q: %v", lines.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// directorOutcomes is what the Director answered and reported in one
// campaign: devices rejected (not affected) and assigned, and the
// assigned devices' reported outcomes (failures by Campaigner's code).
type directorOutcomes struct {
	rejected, assigned, successful int
	failed                         map[string]int
	reportedFailed                 map[string]string // device: the code it failed with
}

// outcomesOf reads a campaign's outcomes from the record.
func outcomesOf(events []directorEvent, campaign string) directorOutcomes {
	o := directorOutcomes{failed: map[string]int{}, reportedFailed: map[string]string{}}
	for _, e := range events {
		if e.Namespace != e2eAccount || e.CorrelationID != "urn:here-ota:campaign:"+campaign {
			continue
		}
		switch {
		case e.Event == "unaffected":
			o.rejected++
		case e.Event == "assigned":
			o.assigned++
		case e.Event == "reported" && e.Outcome == "success":
			o.successful++
		case e.Event == "reported":
			code := map[bool]string{true: "MISSING_ERROR_CODE", false: e.Outcome}[e.Outcome == "none"]
			o.failed[code]++
			o.reportedFailed[e.Device] = code
		}
	}
	return o
}

// assignFailed is how many of the campaign's devices the Director never
// answered for: their page failed with ASSIGN_UPDATE_FAILED.
func (o directorOutcomes) assignFailed(devices int) int { return devices - o.rejected - o.assigned }

// v2Stats is /api/v2's stats of a campaign.
type v2Stats struct {
	Campaign, Status                                             string
	Processed, Affected, Cancelled, Finished, Failed, Successful int
	Failures                                                     map[string]v2Failure
}

// v2Failure is a failure code's count and retry status.
type v2Failure struct {
	Count       int
	RetryStatus string
}

// UnmarshalJSON reads the failures as a map by code: their order is not
// part of the contract.
func (s *v2Stats) UnmarshalJSON(b []byte) error {
	type plain v2Stats
	var raw struct {
		plain
		Failures []struct {
			Code        string
			Count       int
			RetryStatus string
		}
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*s = v2Stats(raw.plain)
	s.Failures = map[string]v2Failure{}
	for _, f := range raw.Failures {
		s.Failures[f.Code] = v2Failure{f.Count, f.RetryStatus}
	}
	return nil
}

// expectedStats applies REFERENCE.md's formulas to the main campaign M's
// outcomes and its retry R's (of code retried, over M's devices that
// failed with it); nothing is cancelled.
func expectedStats(campaign string, devices int, m, r directorOutcomes, retried string) v2Stats {
	mFailed := m.assignFailed(devices)
	failures := map[string]int{"ASSIGN_UPDATE_FAILED": mFailed}
	for code, n := range m.failed {
		mFailed += n
		failures[code] += n
	}
	rFailed := r.assignFailed(failures[retried])
	failures[retried] -= rFailed + r.successful + len(r.reportedFailed)
	failures["ASSIGN_UPDATE_FAILED"] += rFailed
	for _, code := range r.reportedFailed {
		failures[code]++
	}
	s := v2Stats{Campaign: campaign, Status: "finished", Processed: devices, Affected: devices - m.rejected - r.rejected,
		Finished: m.successful + mFailed - r.rejected, Failed: mFailed - r.successful, Failures: map[string]v2Failure{}}
	s.Successful = s.Finished - s.Failed
	for code, n := range failures {
		if n > 0 {
			s.Failures[code] = v2Failure{n, map[bool]string{true: "finished", false: "not_launched"}[code == retried]}
		}
	}
	return s
}

// checkRegistryIDsInCSV checks that the campaign's failed-installations
// CSV of code lists n devices, each by the Registry's own id.
func (c *client) checkRegistryIDsInCSV(campaign, code string, n int) {
	c.t.Helper()
	status, body, err := c.try("GET", "/api/v2/campaigns/"+campaign+"/failed-installations.csv?failureCode="+code, nil)
	rows := strings.Split(strings.TrimSpace(string(body)), "\n")[1:]
	if err != nil || status != http.StatusOK || len(rows) != n {
		c.t.Fatalf("failed-installations.csv of %s: %d, %v, %d rows; want 200 and %d", code, status, err, len(rows), n)
	}
	for _, row := range rows {
		if !strings.HasPrefix(row, "OEM-") {
			c.t.Errorf("row %q: want the Registry's own device id (OEM-…) first", row)
		}
	}
}
