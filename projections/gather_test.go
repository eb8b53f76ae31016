package projections

import (
	"context"
	"testing"
	"time"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// fakeSubscription answers Next with n events at once.
type fakeSubscription struct{ n int }

func (f fakeSubscription) Next(ctx context.Context, max int) ([]eventstore.RecordedEvent, error) {
	return make([]eventstore.RecordedEvent, f.n), nil
}

func (fakeSubscription) Close() error { return nil }

// takeBatches reads n batches from readAhead and returns how long it took.
func takeBatches(t *testing.T, sub eventstore.Subscription, size int, gather time.Duration, n int) time.Duration {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	batches := readAhead(ctx, sub, size, gather, nil)
	for range n {
		<-batches
	}
	return time.Since(start)
}

// Small batches that keep coming are read no more often than every gather.
func TestSmallBatchesGather(t *testing.T) {
	if took := takeBatches(t, fakeSubscription{n: 1}, 100, 40*time.Millisecond, 4); took < 100*time.Millisecond {
		t.Errorf("4 small batches took %s, want three waits of 40ms between their reads", took)
	}
}

// Full batches are read one after another, without waiting.
func TestFullBatchesDoNotWait(t *testing.T) {
	if took := takeBatches(t, fakeSubscription{n: 100}, 100, 2*time.Second, 4); took > time.Second {
		t.Errorf("4 full batches took %s, want no wait between them", took)
	}
}

// A hurry ends the gathering at once: the next small batch is read
// without waiting out gather.
func TestAHurryEndsTheGathering(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hurry := make(chan struct{}, 1)
	batches := readAhead(ctx, fakeSubscription{n: 1}, 100, time.Hour, hurry)
	<-batches // the first read does not wait
	hurry <- struct{}{}
	select {
	case <-batches:
	case <-time.After(30 * time.Second):
		t.Fatal("the batch after a hurry was not read within 30s, want it read at once rather than after the hour of gathering")
	}
}
