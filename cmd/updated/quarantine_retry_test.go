package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// An event no projection can apply (a device registration whose data
// does not decode) is quarantined; once its data is fixed by SQL, an
// operator's `updated quarantine retry --all` applies it: the device is in
// the read models, the quarantine is empty, and /readyz is no longer
// degraded.
func TestAQuarantinedEventIsAppliedOnRetryAfterItsFix(t *testing.T) {
	bin := buildBinaries(t)
	db := pgtest.NewDatabase(t)
	_, c := startService(t, bin, t.TempDir(), db)
	ctx := context.Background()
	conn := connect(t, db)
	plantEvent(t, conn, "device-"+e2eAccount+"-fixme", "DeviceRegistered",
		`{"account_id":"`+e2eAccount+`","device_id":"fixme","device_class":5,"mechanism":"connector"}`, `{"account_id":"`+e2eAccount+`"}`)
	c.waitReadiness("degraded", "quarantined events: 1")
	list := quarantineCLI(t, bin, db, "list")
	if !strings.Contains(list, "DeviceRegistered in device-"+e2eAccount+"-fixme") || !strings.Contains(list, "read-models") {
		t.Errorf("quarantine list:\n%s\nwant the planted event", list)
	}
	c.do("GET", "/v3/devices/fixme", nil, http.StatusNotFound, nil)

	// A retry before the fix fails again: the event stays, unmarked.
	var position string
	if err := conn.QueryRow(ctx, `SELECT commit_position::text FROM quarantined_events`).Scan(&position); err != nil {
		t.Fatal(err)
	}
	if out := quarantineCLI(t, bin, db, "retry", position); !strings.HasPrefix(out, "1 marked for retry") {
		t.Errorf("quarantine retry %s: %q, want 1 marked", position, out)
	}
	waitFor(t, "the failed retry's mark cleared", func() bool {
		var marked bool
		err := conn.QueryRow(ctx, `SELECT retry_requested_at IS NOT NULL FROM quarantined_events`).Scan(&marked)
		return err == nil && !marked
	})
	c.waitReadiness("degraded", "quarantined events: 1")

	// The fix, then the retry.
	if _, err := conn.Exec(ctx, `UPDATE events SET data = '{"account_id":"`+e2eAccount+`","device_id":"fixme","device_class":"sensor","mechanism":"connector"}'
		WHERE stream_id = 'device-`+e2eAccount+`-fixme'`); err != nil {
		t.Fatal(err)
	}
	if out := quarantineCLI(t, bin, db, "retry", "--all"); !strings.HasPrefix(out, "1 marked for retry") {
		t.Errorf("quarantine retry --all: %q, want 1 marked", out)
	}
	c.waitReadiness("OK", "")
	c.do("GET", "/v3/devices/fixme", nil, http.StatusOK, nil)
	if list := quarantineCLI(t, bin, db, "list"); !strings.Contains(list, "the quarantine is empty") {
		t.Errorf("quarantine list after the retry:\n%s\nwant it empty", list)
	}
}

// quarantineCLI runs `updated quarantine args...` on db and returns its
// output.
func quarantineCLI(t *testing.T, bin, db string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "updated"), append([]string{"quarantine"}, args...)...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+db)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("updated quarantine %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// waitReadiness waits until /readyz answers 200 with status and, when
// check is not empty, the quarantine check containing it.
func (c *client) waitReadiness(status, check string) {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body, err := c.try("GET", "/readyz", nil)
		var ready struct {
			Status string
			Checks map[string]string
		}
		if err == nil {
			err = json.Unmarshal(body, &ready)
		}
		if err == nil && code == http.StatusOK && ready.Status == status && strings.Contains(ready.Checks["quarantine"], check) {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("/readyz: %d %s %v; want 200, %s, %q", code, body, err, status, check)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitFor waits up to 30 seconds for ok, or fails the test saying what.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
