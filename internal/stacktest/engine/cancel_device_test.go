package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
)

// A user's cancel of a device under way is recorded as a request, which
// the read models show the engine: the engine, woken by it, ends the
// device cancelled; the campaign's other devices go on.
func TestAUsersCancelOfADeviceUnderWayEndsItCancelled(t *testing.T) {
	w := newWorld(t, engine.Config{BatchSize: 20, PollInterval: 200 * time.Millisecond, DeviceTimeout: time.Hour})
	w.register("silent", 3, "sensor", "digest-1") // written to, never answering
	w.startCampaign("c1")
	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateScheduled: 3})

	_, err := w.h.CancelDeviceUpdate(context.Background(), commands.CancelDeviceUpdate{Meta: w.meta(), CampaignID: "c1", DeviceID: "silent-001"})
	if err != nil {
		t.Fatal(err)
	}

	w.waitCounts("c1", map[domain.UpdateState]int{domain.UpdateScheduled: 2, domain.UpdateCancelled: 1})
	cancelled, err := w.reads.CampaignDevicesInStates(context.Background(), "c1", []domain.UpdateState{domain.UpdateCancelled}, "", 10)
	if err != nil || fmt.Sprint(cancelled) != "[silent-001]" {
		t.Errorf("cancelled devices %v, %v; want silent-001", cancelled, err)
	}
}
