package main_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// Postgres is stopped and started again while a campaign runs. The
// service stays up, says on /readyz that it is not ready while Postgres
// is away, and every part picks up again when it is back: the campaign
// ends exactly as fleetsim says.
func TestACampaignSurvivesAPostgresRestart(t *testing.T) {
	const devices = 300
	pg := pgtest.NewServer(t)
	bin := buildBinaries(t)
	dir := t.TempDir()
	sim := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	svc, c := startService(t, bin, dir, pg.URL(), "SCHEDULER_BATCH_SIZE=50", "SCHEDULER_DELAY=100ms",
		"SCHEDULER_POLLING_TIMEOUT=1s", "DEVICE_UPDATE_TIMEOUT=20s", "CONNECTOR_URL=http://"+sim)
	expectFile := startFleetsim(t, bin, dir, "-api", c.base, "-listen", sim, "-devices", fmt.Sprint(devices),
		"-seed", "5", "-latency", "50ms", "-mix", "success=80,fail=10,uptodate=5,silent=5")
	c.waitDevices(devices)
	campaign := c.startCampaign("pg-restart")

	deadline := time.Now().Add(3 * time.Minute)
	for s := c.stats(campaign.ID); s.Finished < devices/10; s = c.stats(campaign.ID) {
		if time.Now().After(deadline) {
			t.Fatalf("the campaign never got going: %+v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("stopping Postgres at %+v", c.stats(campaign.ID))
	if err := pg.StopServer("fast"); err != nil {
		t.Fatal(err)
	}
	c.waitUnready("database")
	time.Sleep(3 * time.Second)
	svc.checkRunning()
	if status, body, err := c.try("GET", "/readyz", nil); err != nil || status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Postgres away: %d %s (%v), want 503", status, body, err)
	}
	if err := pg.StartServer(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.waitReady()
	t.Logf("Postgres back at %+v", c.stats(campaign.ID))
	c.waitFinished(campaign.ID, deadline)
	svc.checkRunning()
	checkOutcome(t, c, campaign.ID, expectFile)
}
