package esdbtest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// received is what a subscription delivered: events, when CaughtUp came
// and how many checkpoints.
type received struct {
	ids         []uuid.UUID
	types       []string
	caughtUpAt  int // events received before CaughtUp; -1 if none
	checkpoints int
}

func collect(t *testing.T, sub *esdb.Subscription, n int) received {
	t.Helper()
	got := received{caughtUpAt: -1}
	deadline := time.AfterFunc(10*time.Second, func() { _ = sub.Close() })
	defer deadline.Stop()
	for len(got.ids) < n {
		ev := sub.Recv()
		switch {
		case ev.EventAppeared != nil:
			got.ids = append(got.ids, ev.EventAppeared.Event.EventID)
			got.types = append(got.types, ev.EventAppeared.Event.EventType)
		case ev.CaughtUp != nil:
			got.caughtUpAt = len(got.ids)
		case ev.CheckPointReached != nil:
			got.checkpoints++
		case ev.SubscriptionDropped != nil:
			t.Fatalf("subscription dropped after %d of %d events: %v", len(got.ids), n, ev.SubscriptionDropped.Error)
		}
	}
	return got
}

func ids(evs []esdb.EventData) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.EventID
	}
	return out
}

func TestAllSubscriptionCatchesUpThenFollows(t *testing.T) {
	_, c := start(t)
	stored := events(3, "Tested")
	appendTo(t, c, "sub-1", esdb.NoStream{}, stored...)
	sub, err := c.SubscribeToAll(ctxFor(t), esdb.SubscribeToAllOptions{From: esdb.Start{}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	live := events(2, "Tested")
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _ = c.AppendToStream(context.Background(), "sub-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(2)}, live...)
	}()
	got := collect(t, sub, 5)
	if diff := cmp.Diff(append(ids(stored), ids(live)...), got.ids); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if got.caughtUpAt != 3 {
		t.Errorf("CaughtUp after %d events, want after the 3 stored ones", got.caughtUpAt)
	}
}

func TestAllSubscriptionFromAPositionIsExclusive(t *testing.T) {
	_, c := start(t)
	evs := events(4, "Tested")
	appendTo(t, c, "pos-1", esdb.NoStream{}, evs...)
	all, _ := read(t, c, "", false)
	sub, err := c.SubscribeToAll(ctxFor(t), esdb.SubscribeToAllOptions{From: all[1].Position})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if diff := cmp.Diff(ids(evs[2:]), collect(t, sub, 2).ids); diff != "" {
		t.Errorf("events after event 1's position (-want +got):\n%s", diff)
	}
}

func TestAllSubscriptionFilters(t *testing.T) {
	_, c := start(t)
	appendTo(t, c, "campaign-1", esdb.NoStream{}, events(2, "CampaignCreated")...)
	appendTo(t, c, "other-1", esdb.NoStream{}, events(40, "Noise")...)
	appendTo(t, c, "device-a-1", esdb.NoStream{}, events(1, "DeviceRegistered")...)
	m := esdb.StreamMetadata{}
	m.SetMaxAge(time.Hour)
	if _, err := c.SetStreamMetadata(ctxFor(t), "campaign-1", esdb.AppendToStreamOptions{}, m); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		filter *esdb.SubscriptionFilter
		want   []string
	}{
		{"stream prefixes", &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{"campaign-", "device-"}},
			[]string{"CampaignCreated", "CampaignCreated", "DeviceRegistered"}},
		{"event type prefix", &esdb.SubscriptionFilter{Type: esdb.EventFilterType, Prefixes: []string{"Device"}},
			[]string{"DeviceRegistered"}},
		{"stream regex", &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Regex: "^device-.*-1$"},
			[]string{"DeviceRegistered"}},
		{"no system events", esdb.ExcludeSystemEventsFilter(), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sub, err := c.SubscribeToAll(ctxFor(t), esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: tc.filter, MaxSearchWindow: 10})
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Close()
			n := len(tc.want)
			if tc.want == nil {
				n = 43 // every user event, not the $metadata one
			}
			got := collect(t, sub, n)
			if tc.want != nil {
				if diff := cmp.Diff(tc.want, got.types); diff != "" {
					t.Errorf("event types (-want +got):\n%s", diff)
				}
			}
			for _, typ := range got.types {
				if strings.HasPrefix(typ, "$") {
					t.Errorf("a system event (%s) passed the filter", typ)
				}
			}
			if got.checkpoints == 0 && n < 43 {
				t.Errorf("no checkpoint while the filter skipped %d events (window 10)", 44-n)
			}
		})
	}
}

func TestStreamSubscription(t *testing.T) {
	_, c := start(t)
	evs := events(3, "Tested")
	appendTo(t, c, "ss-1", esdb.NoStream{}, evs...)
	appendTo(t, c, "ss-2", esdb.NoStream{}, events(2, "Tested")...)
	sub, err := c.SubscribeToStream(ctxFor(t), "ss-1", esdb.SubscribeToStreamOptions{From: esdb.Revision(0)})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	more := events(1, "Tested")
	appendTo(t, c, "ss-1", esdb.Revision(2), more...)
	if diff := cmp.Diff(append(ids(evs[1:]), ids(more)...), collect(t, sub, 3).ids); diff != "" {
		t.Errorf("events after revision 0 (-want +got):\n%s", diff)
	}
}

func TestDroppedSubscriptionsEnd(t *testing.T) {
	srv, c := start(t)
	sub, err := c.SubscribeToAll(ctxFor(t), esdb.SubscribeToAllOptions{From: esdb.Start{}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	srv.DropSubscriptions()
	for {
		ev := sub.Recv()
		if ev.SubscriptionDropped != nil {
			return
		}
		if ev.EventAppeared != nil {
			t.Fatal("an event on an empty store")
		}
	}
}
