package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// An event planted by SQL that no projection can apply leaves the service
// serving: /readyz says degraded and why, the event is in quarantine, and
// writes made after it reach the read models.
func TestAnEventNoProjectionCanApplyLeavesTheServiceServing(t *testing.T) {
	bin := buildBinaries(t)
	db := pgtest.NewDatabase(t)
	_, c := startService(t, bin, t.TempDir(), db)

	ctx := context.Background()
	conn := connect(t, db)
	plantEvent(t, conn, "device-"+e2eAccount+"-planted", "DeviceTeleported", `{"to":"mars"}`, `{}`)
	c.do("POST", "/v3/devices", map[string]any{"id": "after-the-bad-one", "device_class": "sensor"}, http.StatusCreated, nil)

	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body, err := c.try("GET", "/readyz", nil)
		var ready struct {
			Status string
			Checks map[string]string
		}
		if err == nil {
			err = json.Unmarshal(body, &ready)
		}
		if err == nil && status == http.StatusOK && ready.Status == "degraded" && strings.Contains(ready.Checks["quarantine"], "quarantined events: 1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz: %d %s %v; want 200, degraded, one event in quarantine", status, body, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var eventType, reason string
	if err := conn.QueryRow(ctx, `SELECT event_type, reason FROM quarantined_events`).Scan(&eventType, &reason); err != nil ||
		eventType != "DeviceTeleported" || !strings.Contains(reason, "unknown event type") {
		t.Errorf("quarantine holds %s (%q), %v; want the planted event with its reason", eventType, reason, err)
	}
	c.do("GET", "/v3/devices/after-the-bad-one", nil, http.StatusOK, nil)
}

// connect opens a connection to db, closed when the test ends.
func connect(t *testing.T, db string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// plantEvent appends an event by SQL, as a bug or a hand would, past
// every check the service makes on what it records.
func plantEvent(t *testing.T, conn *pgx.Conn, stream, eventType, data, metadata string) {
	t.Helper()
	_, err := conn.Exec(context.Background(), `INSERT INTO events (position, stream_id, revision, event_id, event_type, data, metadata)
		VALUES (allocate_positions(1), $1, 0, gen_random_uuid(), $2, $3, $4)`, stream, eventType, data, metadata)
	if err != nil {
		t.Fatal(err)
	}
}
