package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/projections"
)

// updatectl runs the command line and returns its exit code and output.
func updatectl(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, getenv, &stdout, &stderr)
	if err != nil {
		stderr.WriteString("updatectl: " + err.Error() + "\n")
	}
	return exitCode(err), stdout.String(), stderr.String()
}

// replay --verify passes on a finished campaign of thousands of devices
// that the real engine ran, and once a row of the read models is changed
// by SQL it exits 1 naming the table, the row, the column and both values.
func TestReplayVerifyNamesARowChangedBySQL(t *testing.T) {
	s := newService(t)
	s.runCampaign(t, "acme", "c-big", 3000)
	s.stop()

	code, stdout, stderr := updatectl(t, s.env(), "replay", "--verify")
	if code != exitOK || !strings.Contains(stdout, "the read models equal a rebuild") {
		t.Fatalf("replay --verify on untouched read models: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	id := projections.MetadataID("c-big", "dev-001234")
	if _, err := s.pool.Exec(context.Background(), `UPDATE campaign_device_metadata SET update_state = 'failed' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = updatectl(t, s.env(), "replay", "--verify", "--output", "json")
	if code != exitFailed {
		t.Fatalf("replay --verify after a change: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailed, stdout, stderr)
	}
	var got verifyReport
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	want := []projections.Difference{{Table: "campaign_device_metadata", Key: "id=" + id, Column: "update_state", Live: "failed", Rebuilt: "deployed"}}
	if diff := cmp.Diff(want, got.Shown); diff != "" || got.Differences != 1 {
		t.Errorf("%d differences (-want +got):\n%s", got.Differences, diff)
	}

	code, stdout, _ = updatectl(t, s.env(), "replay", "--verify")
	if code != exitFailed || !strings.Contains(stdout, "campaign_device_metadata  id="+id+"  update_state  failed  deployed") {
		t.Errorf("the table output does not name the row: exit %d\n%s", code, stdout)
	}
}
