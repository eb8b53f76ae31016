package contract

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/domain/eventstore"
)

func testSubscription(t *testing.T, h Harness) {
	s := h.NewStore(t)
	head := lastPosition(t, s)
	stream := uniqueStream("sub")
	mine := map[string]bool{stream: true}
	stored := newEvents(5, "stored")
	mustAppend(t, s, stream, eventstore.NoStream, stored)

	ctx := ctxFor(t)
	sub, err := s.SubscribeAll(ctx, head)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	defer sub.Close()
	got := collect(t, ctx, sub, mine, 5)
	if diff := cmp.Diff(dataIDs(stored), got); diff != "" {
		t.Fatalf("caught-up events (-want +got):\n%s", diff)
	}

	live := newEvents(3, "live")
	received := make(chan []uuid.UUID, 1)
	go func() { received <- collectQuietly(ctx, sub, mine, 3) }()
	time.Sleep(50 * time.Millisecond) // let the subscriber wait before the append
	mustAppend(t, s, stream, eventstore.Exact(4), live)
	select {
	case got := <-received:
		if diff := cmp.Diff(dataIDs(live), got); diff != "" {
			t.Fatalf("live events (-want +got):\n%s", diff)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a live append did not reach the subscription within 20s")
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := sub.Next(cancelled, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("Next on a cancelled context: error %v, want context.Canceled", err)
	}
}

// collect reads from sub until it has n events of the given streams.
func collect(t *testing.T, ctx context.Context, sub eventstore.Subscription, streams map[string]bool, n int) []uuid.UUID {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	got := collectQuietly(ctx, sub, streams, n)
	if len(got) < n {
		t.Fatalf("subscription delivered %d of %d events within 20s", len(got), n)
	}
	return got
}

func collectQuietly(ctx context.Context, sub eventstore.Subscription, streams map[string]bool, n int) []uuid.UUID {
	var got []uuid.UUID
	for len(got) < n {
		batch, err := sub.Next(ctx, 100)
		if err != nil {
			return got
		}
		got = append(got, ids(onlyStreams(batch, streams))...)
	}
	return got
}
