package main_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// A dependency that is down when the service starts (Postgres or Kafka
// started by the same orchestrator, or restarting) delays the start: the
// service stays alive, says on /readyz what it waits for, and comes up
// when the dependency does — it does not exit.

func TestTheServiceWaitsForPostgresAtStart(t *testing.T) {
	pg := pgtest.NewServer(t)
	if err := pg.StopServer("fast"); err != nil {
		t.Fatal(err)
	}
	bin := buildBinaries(t)
	svc, c := startServiceUnready(t, bin, t.TempDir(), pg.URL())
	c.waitUnready("database")
	svc.checkRunning()
	svc.checkLogged("waiting for a dependency")
	if err := pg.StartServer(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.waitReady()
	c.do("GET", "/v3/update-campaigns", nil, http.StatusOK, nil)
}

// SIGTERM while the service waits for a dependency ends it cleanly, and
// at once.
func TestAServiceWaitingForPostgresStopsOnSIGTERM(t *testing.T) {
	pg := pgtest.NewServer(t)
	if err := pg.StopServer("fast"); err != nil {
		t.Fatal(err)
	}
	svc, c := startServiceUnready(t, buildBinaries(t), t.TempDir(), pg.URL())
	c.waitUnready("database")
	began := time.Now()
	svc.terminate()
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("the service took %s to stop", took)
	}
}

func TestTheServiceWaitsForKafkaAtStart(t *testing.T) {
	port := freePort(t)
	bin := buildBinaries(t)
	svc, c := startServiceUnready(t, bin, t.TempDir(), pgtest.NewDatabase(t), fmt.Sprintf("KAFKA_HOST=127.0.0.1:%d", port))
	c.waitUnready("queues")
	svc.checkRunning()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, bus.Topics()...),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	c.waitReady()
	c.do("GET", "/v3/update-campaigns", nil, http.StatusOK, nil)
}

// startServiceUnready starts the service as startService does, without
// waiting for it to be ready.
func startServiceUnready(t *testing.T, bin, dir, db string, env ...string) (*service, *client) {
	api := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	svc := &service{t: t, bin: bin + "/updated", log: dir + "/updated.log",
		env: append([]string{"DATABASE_URL=" + db, "HTTP_ADDR=" + api, "API_KEYS=" + e2eKey + ":" + e2eAccount,
			"CONNECTOR_ACCOUNTS=" + e2eAccount + ":" + e2eConnector, "BLOB_DIR=" + dir + "/blobs"}, env...)}
	svc.start()
	return svc, &client{t: t, base: "http://" + api}
}

// waitUnready waits until the service answers /healthz 200 and /readyz
// 503 naming check.
func (c *client) waitUnready(check string) {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		health, _, herr := c.try("GET", "/healthz", nil)
		ready, body, rerr := c.try("GET", "/readyz", nil)
		last = fmt.Sprintf("healthz %d (%v), readyz %d (%v): %s", health, herr, ready, rerr, body)
		if health == http.StatusOK && ready == http.StatusServiceUnavailable && strings.Contains(string(body), `"`+check+`"`) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("the service never said it was alive and waiting for %s: %s", check, last)
}

// checkRunning fails the test if the service's process has exited.
func (s *service) checkRunning() {
	s.t.Helper()
	time.Sleep(200 * time.Millisecond)
	if s.exited() {
		s.t.Fatalf("the service exited: %v", s.cmd.ProcessState)
	}
}

// exited tells whether the service's process has ended (a zombie not yet
// waited for counts as ended).
func (s *service) exited() bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return true
	}
	_, after, _ := strings.Cut(string(raw), ") ")
	return strings.HasPrefix(after, "Z")
}

// checkLogged fails the test unless the service's log holds text.
func (s *service) checkLogged(text string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		raw, _ := os.ReadFile(s.log)
		if strings.Contains(string(raw), text) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the service's log does not say %q", text)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
