package engine_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// stalledRemoval holds back the engine's look-up of the campaigns using a
// deleted manifest while stalled is set: an engine stopped (or killed)
// between following the deletion and stopping those campaigns.
type stalledRemoval struct {
	engine.Reads
	stalled *atomic.Bool
}

func (s stalledRemoval) CampaignsUsingManifest(ctx context.Context, account domain.AccountID, manifest domain.ManifestID) ([]domain.CampaignID, error) {
	if s.stalled.Load() {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return s.Reads.CampaignsUsingManifest(ctx, account, manifest)
}

// written counts the manifest writes the simulated connector took.
func (f *fakeDevices) written() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.sent {
		n += c
	}
	return n
}

// A manifest deleted while its campaign sends is never written again
// once the engine restarts, wherever the engine stopped: before it saw the
// deletion (a restarted engine writes its scheduled devices again), or
// after its checkpoint passed the deletion with the campaigns not stopped
// yet. The campaign ends manifestremoved either way.
func TestADeletedManifestIsNotSentAfterARestart(t *testing.T) {
	for _, stop := range []string{"before the engine sees the deletion", "after the checkpoint passed the deletion"} {
		t.Run(stop, func(t *testing.T) {
			var stalled atomic.Bool
			w := newWorldWith(t, engine.Config{BatchSize: 10, PollInterval: 200 * time.Millisecond, DeviceTimeout: time.Hour},
				func(r engine.Reads) engine.Reads { return stalledRemoval{r, &stalled} })
			w.devices.hold = true
			w.register("ok", 400, "sensor", "digest-1")
			w.startCampaign("c1")
			w.waitPhase("c1", domain.PhaseActive)
			for w.devices.written() == 0 {
				time.Sleep(5 * time.Millisecond)
			}
			ctx := context.Background()
			if stop == "before the engine sees the deletion" {
				w.stop()
				w.deleteManifest()
			} else {
				stalled.Store(true)
				w.waitCheckpointPast(w.deleteManifest())
				w.stop()
				stalled.Store(false)
			}
			before := w.devices.written()
			w.start()
			cp := w.waitPhase("c1", domain.PhaseStopped)
			if cp.State() != domain.StateManifestRemoved {
				t.Errorf("campaign ended as %s, want manifestremoved", cp.State())
			}
			time.Sleep(300 * time.Millisecond) // writes in flight would land by now
			if after := w.devices.written() - before; after != 0 {
				t.Errorf("%d manifest writes after the restart, want none", after)
			}
			_ = w.runner.WaitFor(ctx, w.runner.Position())
			got := w.counts("c1")
			if got[domain.UpdateManifestRemoved] != 400 || len(got) != 1 {
				t.Errorf("devices per state %v, want all 400 manifestremoved", got)
			}
		})
	}
}

// deleteManifest deletes m1 and returns where its deletion is.
func (w *world) deleteManifest() eventstore.Position {
	res, err := w.h.DeleteManifest(context.Background(), commands.DeleteManifest{Meta: w.meta(), ManifestID: "m1"})
	if err != nil {
		w.t.Fatal(err)
	}
	return res.Position
}

// waitCheckpointPast registers devices, so that the engine follows events
// and saves its checkpoint, until that checkpoint is past pos.
func (w *world) waitCheckpointPast(pos eventstore.Position) {
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		cp, err := w.reads.Checkpoint(ctx, engine.CheckpointName)
		if err != nil {
			w.t.Fatal(err)
		}
		if !cp.Less(pos) {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the engine's checkpoint stayed at %s, before the deletion at %s", cp, pos)
		}
		w.register(fmt.Sprintf("later%d", i), 1, "camera", "digest-1")
		time.Sleep(200 * time.Millisecond)
	}
}

// A send-manifest message queued before the deletion, handled after it,
// is refused as not found: it records nothing and writes nothing.
func TestASendQueuedBeforeTheDeletionWritesNothing(t *testing.T) {
	w := newWorld(t, engine.Config{BatchSize: 10, PollInterval: 200 * time.Millisecond, DeviceTimeout: time.Hour})
	w.devices.hold = true
	w.register("ok", 400, "sensor", "digest-1")
	w.startCampaign("c1")
	w.waitPhase("c1", domain.PhaseActive)
	w.stop()
	deleted := w.deleteManifest()
	ctx := context.Background()
	// The read model shows every send recorded before the engine stopped:
	// they precede the deletion.
	if err := w.runner.WaitFor(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	pending, err := w.reads.CampaignDevicesInStates(ctx, "c1", []domain.UpdateState{domain.UpdatePending}, "", 10)
	if err != nil || len(pending) == 0 {
		t.Fatalf("pending devices: %v (%v), want some", pending, err)
	}
	before, recorded := w.devices.written(), w.deviceEvents(pending)
	_, _, err = w.h.SendManifests(ctx, w.devices, commands.SendManifests{Meta: w.meta(), CampaignID: "c1", Devices: pending})
	if domain.KindOf(err) != domain.KindNotFound {
		t.Errorf("sending a deleted manifest: %v, want not found", err)
	}
	if n := w.devices.written() - before; n != 0 {
		t.Errorf("%d manifest writes, want none", n)
	}
	if n := w.deviceEvents(pending) - recorded; n != 0 {
		t.Errorf("the refused send recorded %d events on its devices, want none", n)
	}
}

// deviceEvents counts the events stored in the devices' streams.
func (w *world) deviceEvents(devices []domain.DeviceID) int {
	streams := make([]string, len(devices))
	for i, d := range devices {
		streams[i] = domain.DeviceStream(account, d)
	}
	var n int
	err := w.pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE stream_id = ANY($1)`, streams).Scan(&n)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}
