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
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `INSERT INTO events (position, stream_id, revision, event_id, event_type, data, metadata)
		VALUES (allocate_positions(1), 'device-`+e2eAccount+`-planted', 0, gen_random_uuid(), 'DeviceTeleported', '{"to":"mars"}', '{}')`)
	if err != nil {
		t.Fatal(err)
	}
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
