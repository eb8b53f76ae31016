package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// fakeCalls records the batches a batcher makes and answers them: a
// request's result carries its stream's number, so a caller can tell it
// got its own.
type fakeCalls struct {
	mu       sync.Mutex
	combined [][]string
	alone    []string
	refuse   string // a combined call with this stream fails; alone, it conflicts
	gate     chan struct{}
}

// newFakeCalls returns fake calls that each pass the gate; refuse is the
// stream whose appends fail ("" for none).
func newFakeCalls(refuse string) *fakeCalls {
	f := &fakeCalls{gate: make(chan struct{}), refuse: refuse}
	go func() {
		for range 1000 {
			f.gate <- struct{}{}
		}
	}()
	return f
}

func resultOf(r eventstore.AppendRequest) eventstore.AppendResult {
	var n uint64
	fmt.Sscanf(r.Stream, "s-%d", &n)
	return eventstore.AppendResult{NextExpected: n}
}

func (f *fakeCalls) batcher() *appendBatcher {
	return &appendBatcher{
		combined: func(ctx context.Context, rs []eventstore.AppendRequest) ([]eventstore.AppendResult, bool, error) {
			<-f.gate
			f.mu.Lock()
			defer f.mu.Unlock()
			var names []string
			var out []eventstore.AppendResult
			for _, r := range rs {
				names = append(names, r.Stream)
				out = append(out, resultOf(r))
				if r.Stream == f.refuse {
					f.combined = append(f.combined, names)
					return nil, false, &eventstore.ConflictError{Stream: r.Stream}
				}
			}
			f.combined = append(f.combined, names)
			return out, true, nil
		},
		alone: func(ctx context.Context, rs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
			<-f.gate
			f.mu.Lock()
			defer f.mu.Unlock()
			f.alone = append(f.alone, rs[0].Stream)
			if rs[0].Stream == f.refuse {
				return nil, &eventstore.ConflictError{Stream: rs[0].Stream}
			}
			return []eventstore.AppendResult{resultOf(rs[0])}, nil
		},
	}
}

// appendAll makes n concurrent appends, stream s-i for append i (or
// s-0 for all when same), and returns each one's result or error.
func appendAll(b *appendBatcher, n int, same bool) ([]eventstore.AppendResult, []error) {
	results, errs := make([]eventstore.AppendResult, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		stream := fmt.Sprintf("s-%d", i)
		if same {
			stream = "s-0"
		}
		wg.Go(func() {
			rs, err := b.append(context.Background(), []eventstore.AppendRequest{{Stream: stream, Events: make([]eventstore.EventData, 1)}})
			errs[i] = err
			if err == nil {
				results[i] = rs[0]
			}
		})
	}
	wg.Wait()
	return results, errs
}

func TestBatcherCombinesConcurrentAppends(t *testing.T) {
	f := newFakeCalls("")
	b := f.batcher()
	results, errs := appendAll(b, 40, false)
	for i := range 40 {
		if errs[i] != nil || results[i].NextExpected != uint64(i) {
			t.Errorf("append %d: result %+v, error %v; want its own result", i, results[i], errs[i])
		}
	}
	if len(f.combined) == 0 || len(f.combined)+len(f.alone) >= 40 {
		t.Errorf("%d combined calls and %d alone for 40 concurrent appends, want them combined", len(f.combined), len(f.alone))
	}
}

func TestBatcherRunsEachAloneWhenACombinedCallFails(t *testing.T) {
	f := newFakeCalls("s-3")
	b := f.batcher()
	results, errs := appendAll(b, 12, false)
	for i := range 12 {
		var conflict *eventstore.ConflictError
		switch {
		case i == 3 && !errors.As(errs[i], &conflict):
			t.Errorf("append 3: error %v, want its conflict", errs[i])
		case i != 3 && (errs[i] != nil || results[i].NextExpected != uint64(i)):
			t.Errorf("append %d: result %+v, error %v; want its own result", i, results[i], errs[i])
		}
	}
}

func TestBatcherNeverCombinesTwoAppendsToOneStream(t *testing.T) {
	f := newFakeCalls("")
	b := f.batcher()
	_, errs := appendAll(b, 10, true)
	for i, err := range errs {
		if err != nil {
			t.Errorf("append %d: %v", i, err)
		}
	}
	if len(f.combined) != 0 || len(f.alone) != 10 {
		t.Errorf("combined calls %v, %d alone; want each of the 10 appends to s-0 alone", f.combined, len(f.alone))
	}
}

// A caller that left before its append was taken gets its context's error,
// and the append is not made.
func TestBatcherAnswersACallerThatLeft(t *testing.T) {
	f := &fakeCalls{gate: make(chan struct{})}
	close(f.gate) // calls, if any were made, would pass at once
	b := f.batcher()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.append(ctx, []eventstore.AppendRequest{{Stream: "s-1"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		b.mu.Lock()
		idle := b.flushers == 0
		b.mu.Unlock()
		if idle {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the flusher never finished")
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.alone) != 0 || len(f.combined) != 0 {
		t.Errorf("appends made for a caller that left: alone %v, combined %v", f.alone, f.combined)
	}
}

// A call stuck for longer than stallAfter (on a stream lock, say) does not
// hold up the appends that come after it: a second flusher takes them.
func TestBatcherGoesAroundAStuckCall(t *testing.T) {
	stuck := make(chan struct{})
	b := &appendBatcher{
		alone: func(ctx context.Context, rs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
			if rs[0].Stream == "s-1" {
				<-stuck
			}
			return []eventstore.AppendResult{resultOf(rs[0])}, nil
		},
		combined: func(ctx context.Context, rs []eventstore.AppendRequest) ([]eventstore.AppendResult, bool, error) {
			return nil, false, errors.New("not expected")
		},
	}
	first := make(chan error, 1)
	go func() {
		_, err := b.append(context.Background(), []eventstore.AppendRequest{{Stream: "s-1"}})
		first <- err
	}()
	time.Sleep(2 * stallAfter)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rs, err := b.append(ctx, []eventstore.AppendRequest{{Stream: "s-2"}})
	if err != nil || rs[0].NextExpected != 2 {
		t.Errorf("append behind a stuck call: result %v, error %v; want it done", rs, err)
	}
	close(stuck)
	if err := <-first; err != nil {
		t.Errorf("the stuck append: %v", err)
	}
}
