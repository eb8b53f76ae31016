package main_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/adapters/eventstoredb/esdbtest"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// The end-to-end test runs the real binaries: the service on a fresh
// database and fleetsim with a mix of outcomes. It creates and starts a
// campaign over HTTP, kills the service with SIGKILL twice while the
// campaign runs, and checks that every device, counter and statistic ends
// exactly as fleetsim says it must.

const (
	e2eDevices = 1200
	e2eKey     = "e2e-key"
	e2eAccount = "acc1"
	e2eDigest  = "sha256-target-firmware"
	// e2eConnector is acc1's connector key and webhook secret.
	e2eConnector = "e2e-connector-key:e2e-webhook-secret"
)

func TestCampaignEndToEndSurvivesKills(t *testing.T) {
	runEndToEnd(t)
}

// TestCampaignEndToEndOnEventStoreDBAndKafka runs the production shape:
// events in EventStoreDB (the wire-level server, in this process, outliving
// the killed service), queues on Kafka, read models and checkpoints in
// Postgres.
func TestCampaignEndToEndOnEventStoreDBAndKafka(t *testing.T) {
	srv, err := esdbtest.Start("127.0.0.1:0", esdbtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	runEndToEnd(t, "EVENTSTORE_URL="+srv.URL(), "KAFKA_HOST="+startKafka(t), "DEVICE_UPDATE_TIMEOUT=20s")
}

// TestCampaignEndToEndOnKafka puts the queues on Kafka: a kfake cluster in
// this process, spoken to over TCP by the real client, outliving the
// killed service. The connector webhook's reports travel through it.
func TestCampaignEndToEndOnKafka(t *testing.T) {
	// A killed consumer keeps its partitions until its group session
	// expires (sarama's default: 10s), so reports wait that long after a
	// kill: the timeout must exceed it, or waiting devices time out.
	runEndToEnd(t, "KAFKA_HOST="+startKafka(t), "DEVICE_UPDATE_TIMEOUT=20s")
}

// startKafka starts a kfake cluster with the queues' topics and returns
// its bootstrap servers.
func startKafka(t *testing.T) string {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, bus.Topics()...),
		kfake.ListenFn(func(network, address string) (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	return strings.Join(cluster.ListenAddrs(), ",")
}

// runEndToEnd runs the campaign with extra environment for the service.
func runEndToEnd(t *testing.T, env ...string) {
	bin := buildBinaries(t)
	dir := t.TempDir()
	sim := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	svc, c := startService(t, bin, dir, pgtest.NewDatabase(t), append([]string{"SCHEDULER_BATCH_SIZE=100", "SCHEDULER_DELAY=100ms",
		"SCHEDULER_POLLING_TIMEOUT=1s", "DEVICE_UPDATE_TIMEOUT=8s", "CONNECTOR_URL=http://" + sim}, env...)...)

	expectFile := startFleetsim(t, bin, dir, "-api", c.base, "-listen", sim, "-devices", fmt.Sprint(e2eDevices),
		"-seed", "7", "-latency", "20ms", "-mix", "success=75,fail=10,uptodate=5,wrongclass=5,silent=5")
	c.waitDevices(e2eDevices)
	campaign := c.startCampaign("e2e")

	// Kill once while devices are being enrolled, once while they update.
	killWhen := []func(stats) bool{
		func(s stats) bool { return s.Processed > 0 && s.Processed < e2eDevices/2 },
		func(s stats) bool { return s.Finished > e2eDevices/5 },
	}
	deadline := time.Now().Add(3 * time.Minute)
	for len(killWhen) > 0 && time.Now().Before(deadline) {
		if s := c.stats(campaign.ID); killWhen[0](s) {
			t.Logf("SIGKILL at processed=%d finished=%d", s.Processed, s.Finished)
			svc.kill()
			svc.start()
			c.waitReady()
			killWhen = killWhen[1:]
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(killWhen) > 0 {
		t.Fatalf("the campaign never reached the point of kill %d", 3-len(killWhen))
	}
	c.waitFinished(campaign.ID, deadline)
	checkOutcome(t, c, campaign.ID, expectFile)
}

// startService runs the service on db with the account's key and the
// settings given, and waits until it is ready.
func startService(t *testing.T, bin, dir, db string, env ...string) (*service, *client) {
	api := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	svc := &service{t: t, bin: filepath.Join(bin, "updated"), log: filepath.Join(dir, "updated.log"),
		env: append([]string{"DATABASE_URL=" + db, "HTTP_ADDR=" + api, "API_KEYS=" + e2eKey + ":" + e2eAccount,
			"CONNECTOR_ACCOUNTS=" + e2eAccount + ":" + e2eConnector, "BLOB_DIR=" + filepath.Join(dir, "blobs")}, env...)}
	svc.start()
	c := &client{t: t, base: "http://" + api}
	c.waitReady()
	return svc, c
}

// startFleetsim runs fleetsim as the account's connector, class sensor and
// e2eDigest as the target firmware, and the flags given; it returns the
// file of the devices' expected outcomes.
func startFleetsim(t *testing.T, bin, dir string, flags ...string) string {
	expectFile := filepath.Join(dir, "expected.json")
	args := append([]string{"-account", e2eAccount + ":" + e2eKey + ":" + e2eConnector, "-device-class", "sensor", "-manifest-digest", e2eDigest, "-expect-json", expectFile}, flags...)
	fleet := exec.Command(filepath.Join(bin, "fleetsim"), args...)
	fleetLog, _ := os.Create(filepath.Join(dir, "fleetsim.log"))
	fleet.Stdout, fleet.Stderr = fleetLog, fleetLog
	if err := fleet.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fleet.Process.Kill(); _ = fleet.Wait(); dumpOnFailure(t, fleetLog.Name()) })
	return expectFile
}

// startCampaign registers the target firmware's manifest, creates a
// campaign of it over every registered device and starts it.
func (c *client) startCampaign(name string) struct{ ID string } {
	var manifest, campaign struct{ ID string }
	c.do("POST", "/v3/firmware-manifests", map[string]any{"name": "firmware 2", "device_class": "sensor",
		"timestamp": "2026-11-01T00:00:00Z", "delivered_payload_type": "full", "delivered_payload_url": "https://fw.example/2.bin",
		"delivered_payload_digest": e2eDigest, "delivered_payload_size": 1024}, http.StatusCreated, &manifest)
	c.do("POST", "/v3/update-campaigns", map[string]any{"name": name, "root_manifest_id": manifest.ID,
		"device_filter": "state__eq=registered"}, http.StatusCreated, &campaign)
	c.do("POST", "/v3/update-campaigns/"+campaign.ID+"/start", nil, http.StatusAccepted, nil)
	return campaign
}

// expectation is fleetsim's promise for one device.
type expectation struct {
	UpdateState string `json:"update_state"`
	ResultCode  int    `json:"result_code"`
	SkipReason  string `json:"skip_reason"`
}

// readExpectations reads fleetsim's -expect-json file.
func readExpectations(t *testing.T, path string) map[string]expectation {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]expectation
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	return want
}

func checkOutcome(t *testing.T, c *client, campaign, expectFile string) {
	want := readExpectations(t, expectFile)
	got := c.metadata(campaign)
	if len(got) != len(want) {
		t.Errorf("campaign has %d devices, fleetsim expects %d", len(got), len(want))
	}
	byState := map[string]int{}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("device %s missing from the campaign", id)
			continue
		}
		if g != w {
			t.Errorf("device %s: got %+v, want %+v", id, g, w)
		}
		byState[w.UpdateState]++
	}
	s := c.stats(campaign)
	wantStats := stats{Processed: len(want), Successful: byState["deployed"],
		Failed: byState["failed"] + byState["timed_out"] + byState["failed_connector_channel_update"]}
	wantStats.Finished = wantStats.Successful + wantStats.Failed
	wantStats.Affected = len(want) - byState["skipped"]
	if s != wantStats {
		t.Errorf("Campaigner stats %+v, want %+v", s, wantStats)
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
	wantSummaries := map[string]int{"success": byState["deployed"], "fail": wantStats.Failed, "skipped": byState["skipped"]}
	for id, n := range wantSummaries {
		if gotSummaries[id] != n {
			t.Errorf("statistics %s = %d, want %d (all: %v)", id, gotSummaries[id], n, gotSummaries)
		}
	}
	var cp struct{ Phase, State string }
	c.do("GET", "/v3/update-campaigns/"+campaign, nil, http.StatusOK, &cp)
	if cp.Phase != "stopped" || cp.State != "deployed" {
		t.Errorf("campaign ended in phase %s state %s, want stopped/deployed", cp.Phase, cp.State)
	}
}

// service runs the updated binary and can kill it.
type service struct {
	t   *testing.T
	bin string
	env []string
	log string
	cmd *exec.Cmd
}

func (s *service) start() {
	f, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	s.cmd = exec.Command(s.bin)
	s.cmd.Env = append(os.Environ(), s.env...)
	s.cmd.Stdout, s.cmd.Stderr = f, f
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	cmd := s.cmd
	s.t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		f.Close()
		dumpOnFailure(s.t, s.log)
	})
}

func (s *service) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
}

func dumpOnFailure(t *testing.T, path string) {
	if !t.Failed() {
		return
	}
	raw, _ := os.ReadFile(path)
	if len(raw) > 8000 {
		raw = raw[len(raw)-8000:]
	}
	t.Logf("--- %s (tail) ---\n%s", filepath.Base(path), raw)
}

// buildBinaries builds the service and fleetsim once per test run.
func buildBinaries(t *testing.T) string {
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir, "github.com/updateservice/updateservice/cmd/updated",
		"github.com/updateservice/updateservice/cmd/fleetsim")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building binaries: %v\n%s", err, out)
	}
	return dir
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// client calls the service's API with key, as account acc1 when it is
// empty.
type client struct {
	t    *testing.T
	base string
	key  string
}

func (c *client) do(method, path string, body any, wantStatus int, out any) {
	c.t.Helper()
	status, raw, err := c.try(method, path, body)
	// A client over its account's RATE_LIMIT waits the window out, as
	// integrators' clients do.
	for tries := 0; err == nil && status == http.StatusTooManyRequests && wantStatus != status && tries < 20; tries++ {
		time.Sleep(time.Second)
		status, raw, err = c.try(method, path, body)
	}
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != wantStatus {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, wantStatus, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

func (c *client) try(method, path string, body any) (int, []byte, error) {
	var r *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, c.base+path, r)
	req.Header.Set("Authorization", "Bearer "+cmp.Or(c.key, e2eKey))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes(), nil
}

func (c *client) waitReady() {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if status, _, err := c.try("GET", "/readyz", nil); err == nil && status == http.StatusOK {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatal("the service did not become ready within 60s")
}

func (c *client) waitDevices(n int) {
	c.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var page struct {
		TotalCount int `json:"total_count"`
	}
	for time.Now().Before(deadline) {
		c.do("GET", "/v3/devices?limit=2&include=total_count&filter="+urlEncode("state__eq=registered"), nil, http.StatusOK, &page)
		if page.TotalCount >= n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("fleetsim registered %d of %d devices within 90s", page.TotalCount, n)
}

// stats are Campaigner's counters of a campaign.
type stats struct {
	Processed  int `json:"processed"`
	Affected   int `json:"affected"`
	Finished   int `json:"finished"`
	Failed     int `json:"failed"`
	Successful int `json:"successful"`
}

func (c *client) stats(campaign string) stats {
	var s stats
	c.do("GET", "/api/v2/campaigns/"+campaign+"/stats", nil, http.StatusOK, &s)
	return s
}

func (c *client) waitFinished(campaign string, deadline time.Time) {
	c.t.Helper()
	var cp struct{ Phase string }
	for time.Now().Before(deadline) {
		c.do("GET", "/v3/update-campaigns/"+campaign, nil, http.StatusOK, &cp)
		if cp.Phase == "stopped" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	c.t.Fatalf("campaign still %s at the deadline; stats %+v", cp.Phase, c.stats(campaign))
}

// metadata pages through the campaign's devices.
func (c *client) metadata(campaign string) map[string]expectation {
	out := map[string]expectation{}
	for id, d := range c.rolloutMetadata(campaign) {
		out[id] = d.expectation
	}
	return out
}

func urlEncode(s string) string {
	r := strings.NewReplacer("=", "%3D", "&", "%26", ",", "%2C")
	return r.Replace(s)
}
