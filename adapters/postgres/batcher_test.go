package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// fakeCalls makes a batcher's calls. Each waits at the gate until the test
// opens it, records the streams it was given, and answers each request
// with its stream's number (s-N: NextExpected N), so that a caller can
// tell it got its own result. A combined call given the stream refuse
// fails; alone, that stream's append conflicts.
type fakeCalls struct {
	gate     chan struct{}
	refuse   string
	mu       sync.Mutex
	waiting  int // appends in calls waiting at the gate
	combined [][]string
	alone    []string
}

func newFakeCalls(refuse string) *fakeCalls {
	return &fakeCalls{gate: make(chan struct{}), refuse: refuse}
}

// batcher returns a batcher on the fake calls that never starts a second
// flusher, so that which appends share a call depends only on the gate.
func (f *fakeCalls) batcher() *appendBatcher {
	b := newAppendBatcher(f.aloneCall, f.combinedCall)
	b.stall = time.Hour
	return b
}

func (f *fakeCalls) open() { close(f.gate) }

func (f *fakeCalls) enter(rs []eventstore.AppendRequest) {
	f.mu.Lock()
	f.waiting += len(rs)
	f.mu.Unlock()
	<-f.gate
	f.mu.Lock()
	f.waiting -= len(rs)
	f.mu.Unlock()
}

func (f *fakeCalls) combinedCall(ctx context.Context, rs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	f.enter(rs)
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	var out []eventstore.AppendResult
	for _, r := range rs {
		names = append(names, r.Stream)
		out = append(out, resultOf(r))
	}
	f.combined = append(f.combined, names)
	if slices.Contains(names, f.refuse) {
		return nil, &eventstore.ConflictError{Stream: f.refuse}
	}
	return out, nil
}

func (f *fakeCalls) aloneCall(ctx context.Context, rs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	f.enter(rs)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alone = append(f.alone, rs[0].Stream)
	if rs[0].Stream == f.refuse {
		return nil, &eventstore.ConflictError{Stream: rs[0].Stream}
	}
	return []eventstore.AppendResult{resultOf(rs[0])}, nil
}

// calls is how many calls the fake made.
func (f *fakeCalls) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.combined) + len(f.alone)
}

func resultOf(r eventstore.AppendRequest) eventstore.AppendResult {
	var n uint64
	if _, err := fmt.Sscanf(r.Stream, "s-%d", &n); err != nil {
		panic(fmt.Sprintf("stream %q is not one the test made: %v", r.Stream, err))
	}
	return eventstore.AppendResult{NextExpected: n}
}

// startAppends makes one append of one event per stream, each from a
// caller of its own, and returns a function that waits for their results
// and errors.
func startAppends(b *appendBatcher, streams ...string) func() ([]eventstore.AppendResult, []error) {
	results, errs := make([]eventstore.AppendResult, len(streams)), make([]error, len(streams))
	var wg sync.WaitGroup
	for i, stream := range streams {
		wg.Go(func() {
			rs, err := b.append(context.Background(), []eventstore.AppendRequest{{Stream: stream, Events: make([]eventstore.EventData, 1)}})
			errs[i] = err
			if err == nil {
				results[i] = rs[0]
			}
		})
	}
	return func() ([]eventstore.AppendResult, []error) {
		wg.Wait()
		return results, errs
	}
}

// streamsFrom names the streams s-from to s-(to-1).
func streamsFrom(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("s-%d", i))
	}
	return out
}

// waitUntil polls cond for up to 5 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5 s for %s", what)
		}
	}
}

// queued reports how many appends wait in b, not yet taken into a call.
func queued(b *appendBatcher) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

// holdFlusher starts an append to s-0 and returns once its call waits at
// the fake's gate: the appends made next queue behind it, to be taken
// together when the gate opens.
func holdFlusher(t *testing.T, f *fakeCalls, b *appendBatcher) func() ([]eventstore.AppendResult, []error) {
	t.Helper()
	wait := startAppends(b, "s-0")
	waitUntil(t, "the first call", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.waiting == 1
	})
	return wait
}

func TestBatcherCombinesConcurrentAppendsAndGivesEachItsOwnResult(t *testing.T) {
	f := newFakeCalls("")
	b := f.batcher()
	wait := startAppends(b, streamsFrom(0, 40)...)
	waitUntil(t, "40 appends queued or in a call", func() bool {
		n := queued(b)
		f.mu.Lock()
		defer f.mu.Unlock()
		return n+f.waiting == 40
	})
	f.open()
	results, errs := wait()
	for i := range 40 {
		if errs[i] != nil || results[i].NextExpected != uint64(i) {
			t.Errorf("append %d: result %+v, error %v; want its own result", i, results[i], errs[i])
		}
	}
	if len(f.combined) == 0 || f.calls() > 2 {
		t.Errorf("%d combined calls and %d alone for 40 appends made while the first call waited, want at most 2 calls", len(f.combined), len(f.alone))
	}
}

func TestBatcherMakesEachAppendAloneWhenTheCombinedCallFails(t *testing.T) {
	f := newFakeCalls("s-3")
	b := f.batcher()
	waitFirst := holdFlusher(t, f, b)
	wait := startAppends(b, streamsFrom(1, 12)...)
	waitUntil(t, "11 appends queued", func() bool { return queued(b) == 11 })
	f.open()
	results, errs := wait()
	if _, errs := waitFirst(); errs[0] != nil {
		t.Errorf("the first append: %v", errs[0])
	}
	for i := range 11 {
		n := i + 1
		var conflict *eventstore.ConflictError
		switch {
		case n == 3 && !errors.As(errs[i], &conflict):
			t.Errorf("append to s-3: error %v, want its conflict", errs[i])
		case n != 3 && (errs[i] != nil || results[i].NextExpected != uint64(n)):
			t.Errorf("append to s-%d: result %+v, error %v; want its own result", n, results[i], errs[i])
		}
	}
	if len(f.combined) != 1 || len(f.combined[0]) != 11 {
		t.Fatalf("combined calls %v, want one of the 11 appends made while the first call waited", f.combined)
	}
	slices.Sort(f.alone)
	want := streamsFrom(0, 12)
	slices.Sort(want)
	if !slices.Equal(f.alone, want) {
		t.Errorf("appends made alone: %v, want the first and, after the combined call failed, each of the 11: %v", f.alone, want)
	}
}

func TestBatcherNeverCombinesTwoAppendsToOneStream(t *testing.T) {
	f := newFakeCalls("")
	b := f.batcher()
	waitFirst := holdFlusher(t, f, b)
	streams := []string{"s-1", "s-2", "s-1", "s-3", "s-1"}
	wait := startAppends(b, streams...)
	waitUntil(t, "5 appends queued", func() bool { return queued(b) == 5 })
	f.open()
	results, errs := wait()
	waitFirst()
	for i, stream := range streams {
		if errs[i] != nil || results[i] != resultOf(eventstore.AppendRequest{Stream: stream}) {
			t.Errorf("append %d to %s: result %+v, error %v; want its own result", i, stream, results[i], errs[i])
		}
	}
	for _, c := range f.combined {
		if len(c) != len(slices.Compact(slices.Sorted(slices.Values(c)))) {
			t.Errorf("combined call %v takes a stream twice", c)
		}
	}
	if n := f.calls(); n != 4 {
		t.Errorf("combined calls %v and alone %v, want 4 calls: the first, then one for each of the three appends to s-1", f.combined, f.alone)
	}
}

// A caller that left before its append was taken into a call gets its
// context's error, and the append is not made.
func TestBatcherAnswersACallerThatLeftBeforeItsAppendWasTaken(t *testing.T) {
	f := newFakeCalls("")
	b := f.batcher()
	waitFirst := holdFlusher(t, f, b)
	ctx, cancel := context.WithCancel(context.Background())
	left := make(chan error, 1)
	go func() {
		_, err := b.append(ctx, []eventstore.AppendRequest{{Stream: "s-1", Events: make([]eventstore.EventData, 1)}})
		left <- err
	}()
	waitUntil(t, "the append queued", func() bool { return queued(b) == 1 })
	cancel()
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if _, err := b.append(ctx, []eventstore.AppendRequest{{Stream: "s-2"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("append with an ended context: error %v, want context.Canceled", err)
	}
	f.open()
	waitFirst()
	waitUntil(t, "the flusher to end", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.flushers == 0
	})
	if len(f.alone) != 1 || len(f.combined) != 0 {
		t.Errorf("calls: alone %v, combined %v; want only the first append, none for the callers that left", f.alone, f.combined)
	}
}

// One caller leaving does not end a combined call the others wait for;
// the last one leaving does, so that a call stuck on a lock does not hold
// a connection for nobody.
func TestACombinedCallEndsWhenEveryCallerHasLeft(t *testing.T) {
	entered, held := make(chan struct{}), make(chan struct{})
	started := make(chan context.Context, 1)
	b := newAppendBatcher(
		func(ctx context.Context, rs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
			if rs[0].Stream == "s-0" {
				close(entered)
				<-held
			}
			return []eventstore.AppendResult{resultOf(rs[0])}, ctx.Err()
		},
		func(ctx context.Context, rs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
			started <- ctx
			<-ctx.Done()
			return nil, ctx.Err()
		})
	b.stall = time.Hour
	first := startAppends(b, "s-0")
	<-entered
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	errs := make(chan error, 2)
	for i, ctx := range []context.Context{ctx1, ctx2} {
		go func() {
			_, err := b.append(ctx, []eventstore.AppendRequest{{Stream: fmt.Sprintf("s-%d", i+1), Events: make([]eventstore.EventData, 1)}})
			errs <- err
		}()
	}
	waitUntil(t, "two appends queued", func() bool { return queued(b) == 2 })
	close(held)
	first()
	callCtx := <-started
	cancel1()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that left: error %v, want context.Canceled", err)
	}
	select {
	case <-callCtx.Done():
		t.Fatal("the combined call ended when one of its two callers left")
	case <-time.After(50 * time.Millisecond):
	}
	cancel2()
	select {
	case <-callCtx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the combined call went on after every caller had left")
	}
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Errorf("the second caller that left: error %v, want context.Canceled", err)
	}
}

// A call stuck for longer than stallAfter (on a stream lock, say) does not
// hold up the appends that come after it: a second flusher takes them.
func TestBatcherGoesAroundAStuckCall(t *testing.T) {
	stuck := make(chan struct{})
	b := newAppendBatcher(
		func(ctx context.Context, rs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
			if rs[0].Stream == "s-1" {
				<-stuck
			}
			return []eventstore.AppendResult{resultOf(rs[0])}, nil
		},
		func(ctx context.Context, rs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
			return nil, errors.New("not expected")
		})
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
