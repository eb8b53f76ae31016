package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// rebuild swaps fresh read models in while the service's runner runs:
// afterwards they equal a rebuild (replay --verify passes) and the runner
// applies new events on them.
func TestRebuildLeavesReadModelsTheRunnerGoesOnWith(t *testing.T) {
	s := newService(t)
	s.runCampaign(t, "acme", "c-rebuilt", 1500)
	ctx := context.Background()
	if _, err := s.pool.Exec(ctx, `UPDATE campaign_counters SET deployed = 0 WHERE campaign_id = 'c-rebuilt'`); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := updatectl(t, s.env(), "rebuild")
	if code != exitOK || !strings.Contains(stdout, "rebuilt and swapped in at position") {
		t.Fatalf("rebuild: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	res, err := s.h.RegisterDevices(ctx, commands.RegisterDevices{Meta: commands.Meta{Account: "acme"},
		Devices: []commands.DeviceRegistration{{DeviceID: "after-rebuild", Attributes: domain.DeviceAttributes{DeviceClass: "sensor"}}}})
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.runner.WaitFor(waitCtx, res.Position); err != nil {
		t.Fatal(err)
	}
	if _, err := projections.NewQueries(s.pool).Device(ctx, "acme", "after-rebuild"); err != nil {
		t.Errorf("a device registered after the rebuild: %v", err)
	}
	s.stop()
	if code, stdout, stderr := updatectl(t, s.env(), "replay", "--verify"); code != exitOK {
		t.Errorf("replay --verify after the rebuild: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
