package main_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// positionsLock is the Postgres event store's advisory lock under which
// every append allocates its positions (migration 001): holding it holds
// back everything the service would record.
const positionsLock = 7415081937452013

// The service's ingestion is held back for longer than
// DEVICE_UPDATE_TIMEOUT while the devices go on reporting: nothing can be
// recorded, so the reports wait (in the service's queue and in the
// connector). No device that answered may time out for that wait; the
// silent ones still must; every outcome is fleetsim's.
//
// The timeout leaves fleetsim on a loaded machine seconds of slack to
// answer; a tighter one tests the CPU, not the service.
func TestNoAnsweringDeviceTimesOutWhileIngestionIsHeldBack(t *testing.T) {
	const (
		devices = 5000
		timeout = 8 * time.Second
		hold    = 16 * time.Second
	)
	bin := buildBinaries(t)
	dir := t.TempDir()
	sim := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	db := pgtest.NewDatabase(t)
	_, c := startService(t, bin, dir, db, "SCHEDULER_BATCH_SIZE=1000", "SCHEDULER_DELAY=0s", "SCHEDULER_POLLING_TIMEOUT=1s",
		"DEVICE_UPDATE_TIMEOUT="+timeout.String(), "CONNECTOR_URL=http://"+sim)

	expectFile := startFleetsim(t, bin, dir, "-api", c.base, "-listen", sim, "-devices", fmt.Sprint(devices),
		"-seed", "11", "-latency", "1s", "-heartbeat", "0", "-mix", "success=85,fail=10,silent=5")
	c.waitDevices(devices)
	campaign := c.startCampaign("held")

	deadline := time.Now().Add(3 * time.Minute)
	for s := c.stats(campaign.ID); s.Finished < devices/10; s = c.stats(campaign.ID) {
		if time.Now().After(deadline) {
			t.Fatalf("the campaign never got going: %+v", s)
		}
		time.Sleep(50 * time.Millisecond)
	}
	held := c.stats(campaign.ID)
	holdBack(t, db, hold)
	after := c.stats(campaign.ID)
	t.Logf("held back for %s (timeout %s) at %+v; then %+v", hold, timeout, held, after)
	if after.Finished >= devices {
		t.Fatalf("every device had finished by the end of the hold (%+v): the hold tested nothing", after)
	}

	c.waitFinished(campaign.ID, deadline)
	checkOutcome(t, c, campaign.ID, expectFile)
}

// holdBack holds the positions lock for d, so that no append commits.
func holdBack(t *testing.T, db string, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(positionsLock)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(d)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, int64(positionsLock)); err != nil {
		t.Fatal(err)
	}
}
