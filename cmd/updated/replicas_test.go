package main_test

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// Several replicas share one database: one leads (runs the campaign
// engine and the projections), the others serve the API and the queues,
// and a follower takes over when the leader dies. Every campaign ends
// exactly as fleetsim says: no device's manifest was sent by two engines
// beyond what the at-least-once path absorbs.

const replicaDevices = 300

// replicaSettings are short scheduler settings with few devices in
// flight, so that the engine sends all through the campaign and a
// replica's fault lands while it does.
func replicaSettings(sim string) []string {
	return []string{"SCHEDULER_BATCH_SIZE=20", "SCHEDULER_DELAY=100ms", "SCHEDULER_POLLING_TIMEOUT=1s", "SCHEDULER_MAX_IN_FLIGHT=30",
		"DEVICE_UPDATE_TIMEOUT=20s", "CONNECTOR_URL=http://" + sim}
}

func TestAFollowerTakesOverWhenTheLeaderIsKilled(t *testing.T) {
	r := startReplicas(t, 3)
	a, b, cb, expectFile := r.a, r.b, r.cb, r.expectFile
	campaign := cb.startCampaign("replicas")

	deadline := time.Now().Add(3 * time.Minute)
	cb.waitFinishedAtLeast(campaign.ID, replicaDevices/5, deadline)
	t.Logf("SIGKILL to the leader at %+v", cb.stats(campaign.ID))
	a.kill()
	cb.waitLeader(true)
	if s := cb.stats(campaign.ID); s.Finished >= s.Affected {
		t.Fatalf("every device had finished when the follower took over (%+v): the kill tested nothing", s)
	} else {
		t.Logf("the follower leads at %+v", s)
	}
	cb.waitFinished(campaign.ID, deadline)
	b.checkRunning()
	checkOutcome(t, cb, campaign.ID, expectFile)
}

func TestACampaignSurvivesARollingRestart(t *testing.T) {
	r := startReplicas(t, 4)
	a, ca, b, cb, expectFile := r.a, r.ca, r.b, r.cb, r.expectFile
	campaign := ca.startCampaign("rolling")

	deadline := time.Now().Add(3 * time.Minute)
	for i, r := range []struct {
		svc *service
		c   *client
	}{{a, ca}, {b, cb}} {
		ca.waitFinishedAtLeast(campaign.ID, (i+1)*replicaDevices/4, deadline)
		t.Logf("SIGTERM to replica %d at %+v", i+1, r.c.stats(campaign.ID))
		r.svc.terminate()
		r.svc.start()
		r.c.waitReady()
	}
	ca.waitFinished(campaign.ID, deadline)
	if !ca.leader() && !cb.leader() {
		t.Error("no replica leads after the rolling restart")
	}
	checkOutcome(t, ca, campaign.ID, expectFile)
}

// terminate stops the service with SIGTERM and waits for it to exit.
func (s *service) terminate() {
	s.t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.cmd.Wait(); err != nil {
		s.t.Errorf("the service stopped with %v after SIGTERM, want a clean exit", err)
	}
}

// leader tells whether the replica says (in /metrics) that it leads.
func (c *client) leader() bool {
	c.t.Helper()
	status, body, err := c.try("GET", "/metrics", nil)
	if err != nil || status != http.StatusOK {
		return false
	}
	return strings.Contains(string(body), "\nupdate_service_leader 1\n")
}

// waitLeader waits until the replica leads (or follows).
func (c *client) waitLeader(want bool) {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for c.leader() != want {
		if time.Now().After(deadline) {
			c.t.Fatalf("the replica at %s: leading is not %t after 30s", c.base, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitFinishedAtLeast waits until n of the campaign's devices finished.
func (c *client) waitFinishedAtLeast(campaign string, n int, deadline time.Time) {
	c.t.Helper()
	for s := c.stats(campaign); s.Finished < n; s = c.stats(campaign) {
		if time.Now().After(deadline) {
			c.t.Fatalf("the campaign never reached %d finished devices: %+v", n, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// replicas are two services on one database, a leading and b following,
// and a fleet registered through b.
type replicas struct {
	a, b       *service
	ca, cb     *client
	expectFile string
}

// startReplicas starts a, waits for it to lead, starts b, and registers a
// fleet drawn from seed through b: its webhook and reads go through a
// replica that runs neither engine nor projections.
func startReplicas(t *testing.T, seed int) replicas {
	bin := buildBinaries(t)
	db := pgtest.NewDatabase(t)
	sim := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	var r replicas
	r.a, r.ca = startService(t, bin, t.TempDir(), db, replicaSettings(sim)...)
	r.ca.waitLeader(true)
	dir := t.TempDir()
	r.b, r.cb = startService(t, bin, dir, db, replicaSettings(sim)...)
	if r.cb.leader() {
		t.Fatal("the second replica leads while the first runs")
	}
	r.expectFile = startFleetsim(t, bin, dir, "-api", r.cb.base, "-listen", sim, "-devices", fmt.Sprint(replicaDevices),
		"-seed", fmt.Sprint(seed), "-latency", "50ms", "-mix", "success=80,fail=10,uptodate=5,silent=5")
	r.cb.waitDevices(replicaDevices)
	return r
}
