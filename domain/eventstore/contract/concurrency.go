package contract

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// testConcurrency runs writers appending to shared streams (single and
// multi-stream appends, some slow, some rolled back) while a subscriber
// follows the global order. Every committed event must be delivered once,
// none of a rolled-back append, in the store's order, each stream's events
// at consecutive revisions. A store that lets readers pass an event still
// being committed at a lower position fails here.
func testConcurrency(t *testing.T, h Harness) {
	const writers, opsPerWriter, streamCount = 8, 40, 24
	s := h.NewStore(t)
	ctx := ctxFor(t)
	head := lastPosition(t, s)
	run := uuid.NewString()[:8]
	streams := make([]string, streamCount)
	mine := map[string]bool{}
	for i := range streams {
		streams[i] = fmt.Sprintf("conc%s-%d", run, i)
		mine[streams[i]] = true
	}

	sub, err := s.SubscribeAll(ctx, head)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	defer sub.Close()
	var delivered []eventstore.RecordedEvent
	followerCtx, stopFollower := context.WithCancel(ctx)
	followerDone := make(chan error, 1)
	go func() {
		for {
			batch, err := sub.Next(followerCtx, 50)
			if err != nil {
				followerDone <- err
				return
			}
			delivered = append(delivered, onlyStreams(batch, mine)...)
		}
	}()

	var mu sync.Mutex
	committed, aborted := map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for range opsPerWriter {
				requests, outcome := randomAppend(rng, streams)
				ok := doAppend(ctx, t, h, s, rng, requests, outcome)
				mu.Lock()
				for _, r := range requests {
					for _, e := range r.Events {
						if ok {
							committed[e.ID] = true
						} else {
							aborted[e.ID] = true
						}
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		stopFollower()
		return
	}

	// Wait until the follower has everything, or give up and report.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		n := len(onlyStreams(readAllFrom(t, s, head), mine))
		if n == len(committed) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // let the follower drain what it can
	stopFollower()
	if err := <-followerDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("follower stopped with %v", err)
	}
	checkDelivery(t, delivered, committed, aborted)
	var last eventstore.Position
	if len(delivered) > 0 {
		last = delivered[len(delivered)-1].Position
	}
	if diff := cmp.Diff(ids(onlyStreams(readAllUntil(t, s, head, last), mine)), ids(delivered)); diff != "" {
		t.Errorf("subscription order differs from ReadAll order (-readall +subscription):\n%s", diff)
	}
}

type outcome int

const (
	commitFast outcome = iota
	commitSlow
	rollBack
	conflict
)

// randomAppend picks one or several streams and events, and how the
// append should end.
func randomAppend(rng *rand.Rand, streams []string) ([]eventstore.AppendRequest, outcome) {
	n := 1
	if rng.IntN(3) == 0 {
		n = 2 + rng.IntN(3)
	}
	picked := map[string]bool{}
	var requests []eventstore.AppendRequest
	for len(requests) < n {
		stream := streams[rng.IntN(len(streams))]
		if picked[stream] {
			continue
		}
		picked[stream] = true
		requests = append(requests, eventstore.AppendRequest{Stream: stream, Expected: eventstore.Any, Events: newEvents(1+rng.IntN(4), "c")})
	}
	switch r := rng.IntN(10); {
	case r < 6:
		return requests, commitFast
	case r < 8:
		return requests, commitSlow
	case r < 9:
		return requests, rollBack
	default:
		return requests, conflict
	}
}

// doAppend performs the append and reports whether its events committed.
func doAppend(ctx context.Context, t *testing.T, h Harness, s eventstore.Store, rng *rand.Rand, requests []eventstore.AppendRequest, o outcome) bool {
	if h.SlowAppend == nil && (o == commitSlow || o == rollBack) {
		o = commitFast
	}
	if o == conflict && !h.AtomicMulti && len(requests) > 1 {
		o = commitFast
	}
	delay := time.Duration(5+rng.IntN(30)) * time.Millisecond
	var err error
	switch o {
	case commitFast:
		_, err = s.AppendMulti(ctx, requests)
	case commitSlow:
		err = h.SlowAppend(ctx, s, requests, delay, true)
	case rollBack:
		if err = h.SlowAppend(ctx, s, requests, delay, false); err == nil {
			return false
		}
	case conflict:
		// No stream reaches revision 2^40, so the whole append must fail.
		requests[0].Expected = eventstore.Exact(1 << 40)
		_, err = s.AppendMulti(ctx, requests)
		var c *eventstore.ConflictError
		if errors.As(err, &c) {
			return false
		}
		t.Errorf("append expecting revision 2^40: error %v, want a ConflictError", err)
		return false
	}
	if err != nil {
		t.Errorf("append (outcome %d): %v", o, err)
		return false
	}
	return true
}

// checkDelivery compares what the subscription delivered with what the
// writers committed and aborted.
func checkDelivery(t *testing.T, delivered []eventstore.RecordedEvent, committed, aborted map[uuid.UUID]bool) {
	t.Helper()
	seen := map[uuid.UUID]bool{}
	nextRevision := map[string]uint64{}
	for i, e := range delivered {
		if seen[e.ID] {
			t.Errorf("event %s delivered twice", e.ID)
		}
		seen[e.ID] = true
		if aborted[e.ID] {
			t.Errorf("event %s of a rolled-back append was delivered", e.ID)
		}
		if i > 0 && !delivered[i-1].Position.Less(e.Position) {
			t.Errorf("delivery out of order: %s then %s", delivered[i-1].Position, e.Position)
		}
		if e.Revision != nextRevision[e.Stream] {
			t.Errorf("stream %s: delivered revision %d, want %d (skipped or out of order)", e.Stream, e.Revision, nextRevision[e.Stream])
		}
		nextRevision[e.Stream] = e.Revision + 1
	}
	var missing []string
	for id := range committed {
		if !seen[id] {
			missing = append(missing, id.String())
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%d of %d committed events never delivered, e.g. %v", len(missing), len(committed), missing[:min(5, len(missing))])
	}
	t.Logf("%d events committed, %d aborted, %d delivered", len(committed), len(aborted), len(delivered))
}
