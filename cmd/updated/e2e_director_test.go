package main_test

import (
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

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// Given fleetsim as the Device Registry and the Director (leaving a share
// of devices unaffected and reporting outcomes on Kafka), and the
// Registry's group registered in the service's catalog, when a campaign
// made through /api/v2 runs on a service with DIRECTOR_HOST, then its
// devices are assigned in the Director: some are rejected as not
// affected, and every affected one ends with the Director's report.
func TestAV2CampaignRunsThroughTheDirector(t *testing.T) {
	const devices = 200
	bin := buildBinaries(t)
	dir := t.TempDir()
	kafka := startKafka(t)
	ota := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	host, port, err := net.SplitHostPort(ota)
	if err != nil {
		t.Fatal(err)
	}
	_, c := startService(t, bin, dir, pgtest.NewDatabase(t), "KAFKA_HOST="+kafka, "DIRECTOR_HOST="+host, "DIRECTOR_PORT="+port,
		"SCHEDULER_BATCH_SIZE=50", "SCHEDULER_DELAY=50ms", "SCHEDULER_POLLING_TIMEOUT=1s", "DEVICE_UPDATE_TIMEOUT=20s")
	startFleetsim(t, bin, dir, "-roles", "registry,director", "-ota-listen", ota, "-kafka", kafka,
		"-groups", fmt.Sprint(devices), "-seed", "7", "-director-unaffected", "0.2", "-director-latency", "20ms")
	group := registerRegistryGroup(t, c, dir, ota)

	var manifest struct{ ID string }
	c.do("POST", "/v3/firmware-manifests", map[string]any{"name": "firmware 2", "device_class": "sensor",
		"timestamp": "2026-11-01T00:00:00Z", "delivered_payload_type": "full", "delivered_payload_url": "https://fw.example/2.bin",
		"delivered_payload_digest": e2eDigest, "delivered_payload_size": 1024}, http.StatusCreated, &manifest)
	var update, campaign string
	c.do("POST", "/api/v2/updates", map[string]any{"updateSource": map[string]string{"id": manifest.ID, "sourceType": "external"},
		"name": "firmware 2"}, http.StatusCreated, &update)
	c.do("POST", "/api/v2/campaigns", map[string]any{"name": "through the Director", "update": update,
		"groups": []string{group}}, http.StatusCreated, &campaign)
	id := strings.ReplaceAll(campaign, "-", "")
	c.do("POST", "/v3/update-campaigns/"+id+"/start", nil, http.StatusAccepted, nil)
	c.waitFinished(id, time.Now().Add(2*time.Minute))

	s := c.stats(id)
	if s.Processed != devices || s.Affected == 0 || s.Affected == devices {
		t.Errorf("stats %+v: want %d processed, some of them not affected (rejected by the Director)", s, devices)
	}
	if s.Finished != s.Affected || s.Successful+s.Failed != s.Affected || s.Successful == 0 {
		t.Errorf("stats %+v: want every affected device finished, successful or failed", s)
	}
}

// registerRegistryGroup registers the devices of the group fleetsim's
// Registry prints in the service's catalog, in that group, and returns
// the group's id: the engine pages the catalog, not the Registry.
func registerRegistryGroup(t *testing.T, c *client, dir, ota string) string {
	t.Helper()
	var group string
	deadline := time.Now().Add(30 * time.Second)
	for group == "" && time.Now().Before(deadline) {
		log, _ := os.ReadFile(filepath.Join(dir, "fleetsim.log"))
		if m := regexp.MustCompile(`group (\S+): \d+ devices`).FindSubmatch(log); m != nil {
			group = string(m[1])
		}
		time.Sleep(50 * time.Millisecond)
	}
	req, err := http.NewRequest("GET", "http://"+ota+"/api/v1/device_groups/"+group+"/devices?offset=0&limit=1000", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-ats-namespace", e2eAccount)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct{ Values []string }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || len(page.Values) == 0 {
		t.Fatalf("the Registry's group %q: %v, %d devices", group, err, len(page.Values))
	}
	for _, dev := range page.Values {
		c.do("POST", "/v3/devices", map[string]any{"id": dev, "device_class": "sensor", "firmware_checksum": "digest-1",
			"groups": []string{group}, "mechanism": "connector"}, http.StatusCreated, nil)
	}
	return group
}
