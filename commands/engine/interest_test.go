package engine

import (
	"context"
	"testing"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// interestedFake is a Source that can subscribe with an interest; it
// records the interest and answers no subscription.
type interestedFake struct {
	interest eventstore.Interest
	plain    bool // SubscribeAll was called
}

func (f *interestedFake) SubscribeAll(context.Context, eventstore.Position) (eventstore.Subscription, error) {
	f.plain = true
	return nil, nil
}

func (f *interestedFake) SubscribeAllInterested(_ context.Context, _ eventstore.Position, interest eventstore.Interest) (eventstore.Subscription, error) {
	f.interest = interest
	return nil, nil
}

func TestTheEngineIsWokenOnlyByTheEventsItActsOn(t *testing.T) {
	source := &interestedFake{}
	e := &Engine{source: source}
	if _, err := e.subscribe(context.Background(), eventstore.Position{}); err != nil {
		t.Fatal(err)
	}
	if source.plain || source.interest == nil {
		t.Fatalf("the engine subscribed without its interest (SubscribeAll called: %t)", source.plain)
	}
	for _, c := range []struct {
		stream, eventType string
		want              bool
	}{
		{domain.CampaignStream("c1"), domain.CampaignStartRequested{}.Name(), true},
		{domain.CampaignStream("c1"), domain.CampaignStopRequested{}.Name(), true},
		{domain.CampaignStream("c1"), domain.CampaignPaused{}.Name(), true},
		{domain.CampaignStream("c1"), domain.CampaignResumed{}.Name(), true},
		{domain.DeviceStream("acme", "d1"), domain.DeviceUpdateStateChanged{}.Name(), false},
		{domain.ManifestStream("m1"), domain.ManifestDeleted{}.Name(), true},
		{domain.DeviceStream("acme", "d1"), domain.DeviceRegistered{}.Name(), false},
		{domain.ManifestStream("m1"), domain.ManifestRegistered{}.Name(), false},
		{"account-acme", domain.AccountQuotaReserved{}.Name(), false},
	} {
		if got := source.interest(c.stream, c.eventType); got != c.want {
			t.Errorf("%s in %s wakes the engine: %t, want %t", c.eventType, c.stream, got, c.want)
		}
	}
}
