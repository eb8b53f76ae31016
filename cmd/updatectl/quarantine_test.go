package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// quarantine list shows what bin/updated quarantine list shows, as a
// table or as JSON, and retry marks an entry by the id list gives; an id
// that names nothing exits 1.
func TestQuarantineListsAndMarksEntriesForRetry(t *testing.T) {
	s := newService(t)
	s.stop()
	if _, err := s.pool.Exec(context.Background(), `INSERT INTO quarantined_events
		(runner, commit_position, prepare_position, stream_id, revision, event_type, reason)
		VALUES ('read-models', 42, 42, 'device-acme-d1', 3, 'DeviceFrobbed', 'unknown event type')`); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := updatectl(t, s.env(), "quarantine", "list")
	if code != exitOK || !strings.Contains(stdout, "event DeviceFrobbed in device-acme-d1 at revision 3") || !strings.Contains(stdout, "unknown event type") {
		t.Fatalf("quarantine list: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = updatectl(t, s.env(), "quarantine", "retry", "42")
	if code != exitOK || !strings.Contains(stdout, "1 marked for retry") {
		t.Fatalf("quarantine retry 42: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, stdout, _ = updatectl(t, s.env(), "quarantine", "list", "--output", "json")
	var entries []quarantinedJSON
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil || code != exitOK {
		t.Fatalf("quarantine list -o json: exit %d, %v\n%s", code, err, stdout)
	}
	if len(entries) != 1 || entries[0].ID != "42" || entries[0].Runner != "read-models" || entries[0].RetryRequested == nil {
		t.Errorf("entries %+v, want event 42 of read-models marked for retry", entries)
	}
	if code, _, stderr = updatectl(t, s.env(), "quarantine", "retry", "43"); code != exitFailed {
		t.Errorf("quarantine retry of an id that names nothing: exit %d, want %d\n%s", code, exitFailed, stderr)
	}
}
