package engine_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// Given an active campaign sending to devices that have not answered,
// when its manifest is deleted, then the campaign stops as
// manifestremoved, its open devices end manifestremoved, and no manifest
// is written any more: whether the engine follows the deletion, or is
// restarted after it without having stopped the campaign.
func TestADeletedManifestStopsItsCampaignAsManifestRemoved(t *testing.T) {
	for _, c := range []struct {
		name    string
		restart bool
	}{
		{"the engine follows the deletion", false},
		{"the engine restarts after the deletion, the campaigns not stopped yet", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := fast
			cfg.MaxInFlight = 5
			w := newWorld(t, cfg)
			w.devices.setHold(true)
			w.register("ok", 12)
			w.startCampaign("c1")
			w.waitUntil("the first sends", func() bool { return w.devices.written() == 5 })
			if c.restart {
				w.stop()
				// The restarted engine does not find the campaigns using the
				// manifest: only the campaign's own steps can stop it.
				w.reads.usingManifest = func(context.Context, domain.AccountID, domain.ManifestID) ([]domain.CampaignID, error) {
					return nil, nil
				}
			}

			if _, err := w.h.DeleteManifest(t.Context(), commands.DeleteManifest{Meta: w.meta(), ManifestID: "m-sensor"}); err != nil {
				t.Fatal(err)
			}
			if c.restart {
				w.start()
			}

			cp := w.waitPhase("c1", domain.PhaseStopped)
			if cp.State() != domain.StateManifestRemoved {
				t.Errorf("campaign ended as %s, want manifestremoved", cp.State())
			}
			if diff := cmp.Diff(map[domain.UpdateState]int{domain.UpdateManifestRemoved: 12}, w.counts("c1")); diff != "" {
				t.Errorf("devices per state (-want +got):\n%s", diff)
			}
			if n := w.devices.written(); n != 5 {
				t.Errorf("%d manifest writes, want the 5 before the deletion", n)
			}
		})
	}
}
