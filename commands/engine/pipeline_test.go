package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// fast is an engine configuration whose pauses cost the tests little.
var fast = engine.Config{BatchSize: 10, PollInterval: 20 * time.Millisecond, DeviceTimeout: time.Hour}

// campaignEvents lists the types of the events in the campaign's stream.
func (w *world) campaignEvents(id domain.CampaignID) []string {
	recorded, err := w.store.ReadStream(context.Background(), domain.CampaignStream(id), eventstore.ReadStreamOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	var types []string
	for _, r := range recorded {
		types = append(types, r.Type)
	}
	return types
}

// Given a fleet of devices that answer, when a campaign starts, then the
// engine takes it through quota, manifest check, device pages, publishing
// and deployment, in that order, and ends it deployed with each device's
// outcome.
func TestTheEngineTakesACampaignThroughItsPipelineInOrder(t *testing.T) {
	w := newWorld(t, fast)
	w.register("ok", 12)
	w.register("fail", 3)
	w.register("reject", 2)

	w.startCampaign("c1")

	cp := w.waitPhase("c1", domain.PhaseStopped)
	want := []string{"CampaignCreated", "CampaignStartRequested", "CampaignQuotaAllocated",
		"CampaignManifestChecked", "CampaignBatchProcessed", "CampaignBatchProcessed", "CampaignPublishing",
		"CampaignDeploying", "CampaignStopped"}
	if diff := cmp.Diff(want, w.campaignEvents("c1")); diff != "" {
		t.Errorf("campaign events (-want +got):\n%s", diff)
	}
	if cp.State() != domain.StateDeployed {
		t.Errorf("campaign ended as %s, want deployed", cp.State())
	}
	wantDevices := map[domain.UpdateState]int{domain.UpdateDeployed: 12, domain.UpdateFailed: 3, domain.UpdateFailedConnectorChannelUpdate: 2}
	if diff := cmp.Diff(wantDevices, w.counts("c1")); diff != "" {
		t.Errorf("devices per state (-want +got):\n%s", diff)
	}
}

// enrolledPages returns the number of devices each page of the campaign
// enrolled or skipped, from its batch events.
func (w *world) enrolledPages(id domain.CampaignID) []int {
	recorded, err := w.store.ReadStream(context.Background(), domain.CampaignStream(id), eventstore.ReadStreamOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	var pages []int
	for _, r := range recorded {
		e, err := domain.DecodeEvent(r.Type, r.Data)
		if err != nil {
			w.t.Fatal(err)
		}
		if b, ok := e.(domain.CampaignBatchProcessed); ok {
			n := b.Enrolled
			for _, skipped := range b.Skipped {
				n += skipped
			}
			pages = append(pages, n)
		}
	}
	return pages
}

func TestDevicesAreEnrolledInPagesOfBatchSize(t *testing.T) {
	for _, c := range []struct {
		name    string
		devices int
		want    []int
	}{
		{"a fleet smaller than a page is one page", 7, []int{7}},
		{"a fleet of pages and a part ends with the part", 25, []int{10, 10, 5}},
		{"a fleet of whole pages ends with an empty page", 20, []int{10, 10, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, fast)
			w.register("ok", c.devices)

			w.startCampaign("c1")

			cp := w.waitPhase("c1", domain.PhaseStopped)
			if diff := cmp.Diff(c.want, w.enrolledPages("c1")); diff != "" {
				t.Errorf("devices per page (-want +got):\n%s", diff)
			}
			if cp.Enrolled() != c.devices {
				t.Errorf("enrolled %d devices, want %d", cp.Enrolled(), c.devices)
			}
		})
	}
}
