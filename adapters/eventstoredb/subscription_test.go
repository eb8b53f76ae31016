package eventstoredb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/eventstoredb"
	"github.com/updateservice/updateservice/adapters/eventstoredb/esdbtest"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// TestSubscribeAllFollowsOnlyTheServiceStreams uses the production
// filter: other streams and EventStoreDB's own events never arrive.
func TestSubscribeAllFollowsOnlyTheServiceStreams(t *testing.T) {
	srv := startServer(t)
	s, err := eventstoredb.New(eventstoredb.Config{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	raw := rawClient(t, srv.URL())
	var want []uuid.UUID
	for _, stream := range []string{"campaign-c1", "other-x", "device-acc1-d1", "manifest-m1", "accounting-1", "account-acc1"} {
		evs := testEvents(2, stream)
		if _, err := s.Append(ctxFor(t), stream, eventstore.NoStream, evs...); err != nil {
			t.Fatal(err)
		}
		if stream != "other-x" && stream != "accounting-1" {
			want = append(want, evs[0].ID, evs[1].ID)
		}
	}
	// A tombstone is in the campaign stream but is EventStoreDB's event.
	if _, err := raw.TombstoneStream(ctxFor(t), "campaign-c1", esdb.TombstoneStreamOptions{}); err != nil {
		t.Fatal(err)
	}
	last := testEvents(1, "last")
	if _, err := s.Append(ctxFor(t), "account-acc2", eventstore.NoStream, last...); err != nil {
		t.Fatal(err)
	}
	want = append(want, last[0].ID)
	sub, err := s.SubscribeAll(ctxFor(t), eventstore.Start)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if diff := cmp.Diff(want, next(t, sub, len(want))); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

// next reads n events from sub, failing after 10s.
func next(t *testing.T, sub eventstore.Subscription, n int) []uuid.UUID {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []uuid.UUID
	for len(got) < n {
		batch, err := sub.Next(ctx, n-len(got))
		if err != nil {
			t.Fatalf("after %d of %d events: %v", len(got), n, err)
		}
		for _, e := range batch {
			got = append(got, e.ID)
		}
	}
	return got
}

func TestSubscriptionIsRenewedAfterADrop(t *testing.T) {
	srv := startServer(t)
	s := newStore(t, srv.URL())
	before := testEvents(5, "before")
	if _, err := s.Append(ctxFor(t), "device-acc1-r", eventstore.NoStream, before...); err != nil {
		t.Fatal(err)
	}
	sub, err := s.SubscribeAll(ctxFor(t), eventstore.Start)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if diff := cmp.Diff(eventIDs(before), next(t, sub, 5)); diff != "" {
		t.Fatalf("before the drop (-want +got):\n%s", diff)
	}
	for round := range 3 {
		srv.DropSubscriptions()
		after := testEvents(4, fmt.Sprint("after", round))
		if _, err := s.Append(ctxFor(t), "device-acc1-r", eventstore.Any, after...); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(eventIDs(after), next(t, sub, 4)); diff != "" {
			t.Fatalf("after drop %d (-want +got):\n%s", round, diff)
		}
	}
}

// TestSubscriptionSurvivesAServerRestart stops the server for longer
// than the client's rediscovery (after which the client closes itself for
// good) and starts it again on the same address.
func TestSubscriptionSurvivesAServerRestart(t *testing.T) {
	srv := startServer(t)
	s := newStore(t, srv.URL())
	sub, err := s.SubscribeAll(context.Background(), eventstore.Start)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	srv.Close()
	time.Sleep(2 * time.Second) // 10 discovery attempts 100 ms apart, then the client closes
	again, err := esdbtest.Start(srv.Addr(), esdbtest.Options{})
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", srv.Addr(), err)
	}
	t.Cleanup(again.Close)
	evs := testEvents(3, "back")
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.Append(ctxFor(t), "campaign-back", eventstore.Any, evs...)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("append after the restart: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // as the service's retries do
	}
	if diff := cmp.Diff(eventIDs(evs), next(t, sub, 3)); diff != "" {
		t.Errorf("after the restart (-want +got):\n%s", diff)
	}
}

func TestSubscriptionReportsAServerThatIsGone(t *testing.T) {
	srv := startServer(t)
	s, err := eventstoredb.New(eventstoredb.Config{URL: srv.URL() + "&maxDiscoverAttempts=1", ResubscribeFor: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	sub, err := s.SubscribeAll(context.Background(), eventstore.Start)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	srv.Close()
	if _, err := sub.Next(ctxFor(t), 10); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next on a subscription whose server is gone: %v, want the renewal's failure", err)
	}
	if _, err := sub.Next(ctxFor(t), 10); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next again: %v, want the same failure", err)
	}
}

func TestNextAfterTheSubscriptionContextEnds(t *testing.T) {
	s := newStore(t, startServer(t).URL())
	ctx, cancel := context.WithCancel(context.Background())
	sub, err := s.SubscribeAll(ctx, eventstore.Start)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	cancel()
	if _, err := sub.Next(ctxFor(t), 10); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next after the subscription's context ended: %v, want an error at once", err)
	}
}
