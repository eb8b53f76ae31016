package main_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// The rollout end-to-end tests run the real service and fleetsim with
// campaigns under a rollout policy, and check every device and counter
// against what fleetsim says each device does.

// rolloutDevice is a device of a campaign as the metadata shows it, with
// its wave and attempts.
type rolloutDevice struct {
	expectation
	Wave     int
	Attempts int
}

// rolloutMetadata pages through the campaign's devices with their waves.
func (c *client) rolloutMetadata(campaign string) map[string]rolloutDevice {
	c.t.Helper()
	out := map[string]rolloutDevice{}
	for after := ""; ; {
		var page struct {
			Data []struct {
				ID          string `json:"id"`
				DeviceID    string `json:"device_id"`
				UpdateState string `json:"update_state"`
				ResultCode  *int   `json:"result_code"`
				SkipReason  string `json:"skip_reason"`
				Wave        int    `json:"wave"`
				Attempts    int    `json:"attempts"`
			} `json:"data"`
			HasMore bool `json:"has_more"`
		}
		path := "/v3/update-campaigns/" + campaign + "/campaign-device-metadata?limit=1000"
		if after != "" {
			path += "&after=" + after
		}
		c.do("GET", path, nil, http.StatusOK, &page)
		for _, d := range page.Data {
			e := rolloutDevice{expectation: expectation{UpdateState: d.UpdateState, SkipReason: d.SkipReason}, Wave: d.Wave, Attempts: d.Attempts}
			if d.ResultCode != nil {
				e.ResultCode = *d.ResultCode
			}
			out[d.DeviceID] = e
		}
		if !page.HasMore || len(page.Data) == 0 {
			return out
		}
		after = page.Data[len(page.Data)-1].ID
	}
}

// createRolloutCampaign registers the target firmware's manifest and
// creates a draft campaign over every registered device with the policy.
func (c *client) createRolloutCampaign(name string, policy map[string]any) string {
	c.t.Helper()
	var manifest, campaign struct{ ID string }
	c.do("POST", "/v3/firmware-manifests", map[string]any{"name": "firmware for " + name, "device_class": "sensor",
		"timestamp": "2026-11-01T00:00:00Z", "delivered_payload_type": "full", "delivered_payload_url": "https://fw.example/2.bin",
		"delivered_payload_digest": e2eDigest, "delivered_payload_size": 1024}, http.StatusCreated, &manifest)
	c.do("POST", "/v3/update-campaigns", map[string]any{"name": name, "root_manifest_id": manifest.ID,
		"device_filter": "state__eq=registered", "rollout_policy": policy}, http.StatusCreated, &campaign)
	return campaign.ID
}

// rolloutCampaign is the campaign object's fields these tests read.
type rolloutCampaign struct {
	Phase          string `json:"phase"`
	State          string `json:"state"`
	AutostopReason string `json:"autostop_reason"`
	Paused         bool   `json:"paused"`
}

func TestAThreeWaveRolloutStopsWhenItsSecondWaveFailsAndRetriesItsFlakyDevices(t *testing.T) {
	bin := buildBinaries(t)
	dir := t.TempDir()
	sim := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	_, c := startService(t, bin, dir, pgtest.NewDatabase(t), "SCHEDULER_BATCH_SIZE=50", "SCHEDULER_DELAY=10ms",
		"SCHEDULER_POLLING_TIMEOUT=1s", "DEVICE_UPDATE_TIMEOUT=30s", "CONNECTOR_URL=http://"+sim)
	// Devices 1–100 (wave 1) install, a tenth of them at their second
	// attempt; devices 101–200 (wave 2) fail half the time; 201–300
	// (wave 3) would install, but must never be written.
	expectFile := startFleetsim(t, bin, dir, "-api", c.base, "-listen", sim, "-devices", "300", "-seed", "11",
		"-latency", "20ms", "-fail-codes", "2-6", "-flaky-code", "13",
		"-mix", "success=9,flaky=1", "-mix-from", "101:success=1,fail=1", "-mix-from", "201:success=1")
	c.waitDevices(300)
	campaign := c.createRolloutCampaign("three waves", map[string]any{
		"waves": []map[string]any{{"count": 100, "success_percent": 100, "soak_seconds": 3}, {"count": 100, "success_percent": 90}, {"percent": 100}},
		"abort": []map[string]any{{"failure": "failed", "threshold_percent": 30, "min_finished": 50, "scope": "wave", "action": "stop"}},
		"retry": map[string]any{"on": []string{"failed"}, "codes": []string{"13"}, "max_attempts": 2, "backoff_seconds": 1},
	})
	c.do("POST", "/v3/update-campaigns/"+campaign+"/start", nil, http.StatusAccepted, nil)
	c.waitFinished(campaign, time.Now().Add(3*time.Minute))

	var cp rolloutCampaign
	c.do("GET", "/v3/update-campaigns/"+campaign, nil, http.StatusOK, &cp)
	if cp.State != "autostopped" || !strings.HasPrefix(cp.AutostopReason, "wave 2: ") {
		t.Errorf("campaign ended %s with reason %q, want autostopped by the rule of wave 2", cp.State, cp.AutostopReason)
	}
	want := readExpectations(t, expectFile)
	got := c.rolloutMetadata(campaign)
	byState := map[string]int{}
	for id, g := range got {
		n := deviceNumber(t, id)
		byState[g.UpdateState]++
		switch {
		case n <= 100 && (g.expectation != want[id] || g.Wave != 1):
			t.Errorf("wave 1 device %s: got %+v, want %+v in wave 1", id, g, want[id])
		case n <= 100 && want[id].UpdateState == "deployed" && g.Attempts != 1 && g.Attempts != 2:
			t.Errorf("wave 1 device %s made %d attempts", id, g.Attempts)
		case n > 100 && n <= 200 && g.Wave != 2:
			t.Errorf("wave 2 device %s is in wave %d", id, g.Wave)
		case n > 100 && n <= 200 && g.UpdateState != "cancelled" && g.expectation != want[id]:
			t.Errorf("wave 2 device %s: got %+v, want %+v or cancelled by the stop", id, g, want[id])
		case n > 200 && (g.UpdateState != "cancelled" || g.Wave != 0):
			t.Errorf("wave 3 device %s: got %+v, want cancelled without ever starting", id, g)
		}
	}
	if len(got) != 300 {
		t.Errorf("the campaign has %d devices, want 300", len(got))
	}
	flaky := 0
	for id, g := range got {
		if deviceNumber(t, id) <= 100 && g.Attempts == 2 {
			flaky++
		}
	}
	if flaky != 10 {
		t.Errorf("%d wave 1 devices needed a second attempt, want fleetsim's 10 flaky ones", flaky)
	}
	checkCountersMatch(t, c, campaign, byState)
}

func TestAPausedAndResumedRolloutEndsExact(t *testing.T) {
	bin := buildBinaries(t)
	dir := t.TempDir()
	sim := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	_, c := startService(t, bin, dir, pgtest.NewDatabase(t), "SCHEDULER_BATCH_SIZE=20", "SCHEDULER_DELAY=10ms",
		"SCHEDULER_POLLING_TIMEOUT=1s", "DEVICE_UPDATE_TIMEOUT=4s", "CONNECTOR_URL=http://"+sim)
	expectFile := startFleetsim(t, bin, dir, "-api", c.base, "-listen", sim, "-devices", "200", "-seed", "12",
		"-latency", "20ms", "-mix", "success=8,fail=1,silent=1")
	c.waitDevices(200)
	campaign := c.createRolloutCampaign("paused", map[string]any{"rate": map[string]any{"per_minute": 1200}})
	c.do("POST", "/v3/update-campaigns/"+campaign+"/start", nil, http.StatusAccepted, nil)

	started := func() int {
		n := 0
		for _, d := range c.rolloutMetadata(campaign) {
			if d.UpdateState != "pending" && d.UpdateState != "skipped" {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(time.Minute)
	for started() < 40 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	c.do("POST", "/v3/update-campaigns/"+campaign+"/pause", map[string]any{"reason": "looking at the first devices"}, http.StatusAccepted, nil)
	time.Sleep(500 * time.Millisecond) // a page decided before the pause may still be recorded
	atPause := started()
	// Longer than the device timeout: a paused campaign sends nothing and
	// times nothing out.
	time.Sleep(6 * time.Second)
	var cp rolloutCampaign
	c.do("GET", "/v3/update-campaigns/"+campaign, nil, http.StatusOK, &cp)
	if after := started(); after != atPause || !cp.Paused || cp.Phase != "active" || cp.State != "deploying" {
		t.Errorf("paused: %d devices started, %d at the pause; campaign %+v, want paused and still active/deploying", after, atPause, cp)
	}
	for id, d := range c.rolloutMetadata(campaign) {
		if d.UpdateState == "timed_out" {
			t.Errorf("device %s timed out while the campaign was paused", id)
		}
	}
	c.do("POST", "/v3/update-campaigns/"+campaign+"/resume", nil, http.StatusAccepted, nil)
	c.waitFinished(campaign, time.Now().Add(3*time.Minute))
	checkOutcome(t, c, campaign, expectFile)
}

// deviceNumber is the number in a fleetsim device id ("sim-042" → 42).
func deviceNumber(t *testing.T, id string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(strings.TrimPrefix(filepath.Base(id), "sim-"), "%d", &n); err != nil {
		t.Fatalf("device id %q: %v", id, err)
	}
	return n
}

// checkCountersMatch checks the campaign's counters in every API against
// the devices' states counted from its metadata.
func checkCountersMatch(t *testing.T, c *client, campaign string, byState map[string]int) {
	t.Helper()
	failed := byState["failed"] + byState["timed_out"] + byState["failed_connector_channel_update"]
	total := 0
	for _, n := range byState {
		total += n
	}
	wantStats := stats{Processed: total, Affected: total - byState["skipped"],
		Successful: byState["deployed"], Failed: failed, Finished: byState["deployed"] + failed}
	if s := c.stats(campaign); s != wantStats {
		t.Errorf("Campaigner stats %+v, want %+v from the devices %v", s, wantStats, byState)
	}
	var summaries struct {
		Data []struct {
			ID    string `json:"id"`
			Count int    `json:"count"`
		} `json:"data"`
	}
	c.do("GET", "/v3/update-campaigns/"+campaign+"/statistics", nil, http.StatusOK, &summaries)
	gotSummaries := map[string]int{}
	for _, d := range summaries.Data {
		gotSummaries[d.ID] = d.Count
	}
	for id, n := range map[string]int{"success": byState["deployed"], "fail": failed, "skipped": byState["skipped"]} {
		if gotSummaries[id] != n {
			t.Errorf("statistics %s = %d, want %d (all: %v)", id, gotSummaries[id], n, gotSummaries)
		}
	}
}
