package bus_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/domain"
)

// TestAnUnknownVersionOfCampaignAcceptedIsPoisonedAndOtherEventsDoNothing
// sends a campaign_accepted event of a version Campaigner did not know,
// then a device event of another type, then the accept: the first goes to
// the poison queue with its reason, the second is acknowledged and records
// nothing, the third accepts the device's update.
func TestAnUnknownVersionOfCampaignAcceptedIsPoisonedAndOtherEventsDoNothing(t *testing.T) {
	w := newWorld(t, inProcess)
	w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(domain.UpdateAwaitingConsent)})
	before := w.last
	event := `{"namespace":"acme","event":{"deviceUuid":"dev-0001","eventType":{"id":%q,"version":%d},"payload":{"campaignId":"` + string(campaign) + `"}}}`

	if err := w.publish(bus.QueueCampaignAccepted, string(dev1), fmt.Appendf(nil, event, "campaign_accepted", 1)); err == nil {
		t.Error("version 1 of campaign_accepted was taken")
	}
	if err := w.publish(bus.QueueCampaignAccepted, string(dev1), fmt.Appendf(nil, event, "campaign_declined", 0)); err != nil {
		t.Errorf("another device event was refused: %v", err)
	}
	if got := w.eventsAfter(before); len(got) > 0 {
		t.Fatalf("recorded %s on %s before the accept", got[0].Type, got[0].Stream)
	}
	if err := w.publish(bus.QueueCampaignAccepted, string(dev1), fmt.Appendf(nil, event, "campaign_accepted", 0)); err != nil {
		t.Fatalf("the accept was refused: %v", err)
	}

	then := w.expect([]streamEvent{{domain.DeviceStream(acme, dev1), domain.DeviceUpdateStateChanged{CampaignID: campaign,
		From: domain.UpdateAwaitingConsent, To: domain.UpdateAccepted, Reason: "accepted by its user", At: w.clock.Now()}}},
		metadataState(dev1, domain.UpdateAccepted))
	w.eventually("the accept's effect", func() error { return then(before) })
	poisoned := w.poison.all()
	if len(poisoned) != 1 {
		t.Fatalf("%d messages poisoned, want the one of version 1", len(poisoned))
	}
	if reason := poisoned[0].Metadata.Get(bus.MetadataReason); !strings.Contains(reason, "event.eventType.version") {
		t.Errorf("poisoned with reason %q, want it to name event.eventType.version", reason)
	}
}
