package main_test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// TestTwoAccountsRunCampaignsOnTheSameDeviceIDsAtOnce runs two accounts'
// campaigns at the same time through one fleetsim, each account with a
// fleet of the same device ids (sensor-001…) but its own outcomes, its own
// connector key and its own webhook secret. Every device of each account
// must end as that account's fleet says, each account's read models must
// hold its devices only, and fleetsim must have taken each write with the
// key of the account it was for.
func TestTwoAccountsRunCampaignsOnTheSameDeviceIDsAtOnce(t *testing.T) {
	const devices = 300
	bin := buildBinaries(t)
	dir := t.TempDir()
	sim := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	_, c1 := startService(t, bin, dir, pgtest.NewDatabase(t), "SCHEDULER_BATCH_SIZE=100", "SCHEDULER_DELAY=50ms",
		"SCHEDULER_POLLING_TIMEOUT=1s", "DEVICE_UPDATE_TIMEOUT=6s", "CONNECTOR_URL=http://"+sim,
		"API_KEYS=e2e-key:acc1,e2e-key-2:acc2", "CONNECTOR_ACCOUNTS=acc1:ck-1:wh-1,acc2:ck-2:wh-2")
	c2 := &client{t: t, base: c1.base, key: "e2e-key-2"}

	fleet := exec.Command(filepath.Join(bin, "fleetsim"), "-api", c1.base, "-listen", sim, "-devices", strconv.Itoa(devices),
		"-prefix", "sensor-", "-account", "acc1:e2e-key:ck-1:wh-1", "-account", "acc2:e2e-key-2:ck-2:wh-2",
		"-device-class", "sensor", "-manifest-digest", e2eDigest, "-expect-json", filepath.Join(dir, "expected.json"),
		"-seed", "11", "-latency", "20ms", "-mix", "success=70,fail=10,uptodate=5,wrongclass=5,silent=5,reject=5")
	logPath := filepath.Join(dir, "fleetsim.log")
	fleetLog, _ := os.Create(logPath)
	fleet.Stdout, fleet.Stderr = fleetLog, fleetLog
	if err := fleet.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fleet.Process.Kill(); _ = fleet.Wait(); dumpOnFailure(t, logPath) })
	c1.waitDevices(devices)
	c2.waitDevices(devices)
	for _, c := range []*client{c1, c2} {
		var page struct {
			TotalCount int `json:"total_count"`
		}
		c.do("GET", "/v3/devices?limit=2&include=total_count", nil, http.StatusOK, &page)
		if page.TotalCount != devices {
			t.Errorf("account of key %q lists %d devices, want its own %d", c.key, page.TotalCount, devices)
		}
	}

	one, two := c1.startCampaign("acc1 rollout"), c2.startCampaign("acc2 rollout")
	deadline := time.Now().Add(3 * time.Minute)
	c1.waitFinished(one.ID, deadline)
	c2.waitFinished(two.ID, deadline)
	checkOutcome(t, c1, one.ID, filepath.Join(dir, "expected.acc1.json"))
	checkOutcome(t, c2, two.ID, filepath.Join(dir, "expected.acc2.json"))
	c1.do("GET", "/v3/update-campaigns/"+two.ID, nil, http.StatusNotFound, nil)
	c2.do("GET", "/v3/update-campaigns/"+one.ID+"/campaign-device-metadata", nil, http.StatusNotFound, nil)

	_ = fleet.Process.Signal(syscall.SIGINT)
	_ = fleet.Wait()
	fleetLog.Close()
	raw, _ := os.ReadFile(logPath)
	for _, c := range []struct {
		account, campaign string
		client            *client
	}{{"acc1", one.ID, c1}, {"acc2", two.ID, c2}} {
		m := regexp.MustCompile(`account ` + c.account + `: (\d+) manifest writes, (\d+) refused as another account's`).FindSubmatch(raw)
		if m == nil {
			t.Errorf("fleetsim did not print %s's writes", c.account)
			continue
		}
		writes, _ := strconv.Atoi(string(m[1]))
		if s := c.client.stats(c.campaign); writes != s.Affected || string(m[2]) != "0" {
			t.Errorf("fleetsim took %d writes with %s's key (%s refused as another account's), want one per affected device: %d",
				writes, c.account, m[2], s.Affected)
		}
	}
}
