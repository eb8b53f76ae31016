package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// Limits of the appends a batcher combines into one transaction.
const (
	// smallAppend: an append of fewer events goes through the batcher; a
	// larger one (the fleet path) has a transaction of its own, which
	// sharing would not make cheaper.
	smallAppend = 64
	// maxBatchEvents bounds the events of one combined call.
	maxBatchEvents = 256
	// maxFlushers is how many combined calls may be in flight at once. One
	// writes while the next batch gathers, which makes the batches as
	// large as the load allows; a second starts only when a call has been
	// in flight for stallAfter (waiting for a stream lock that a large
	// append holds, say), so that one slow call does not hold up the rest.
	maxFlushers = 2
	stallAfter  = 5 * time.Millisecond
)

// appendBatcher combines the small appends that callers make at the same
// time into one transaction of the append protocol, appendInTx over all
// their requests: one BEGIN, one round trip of locks and reads, one
// INSERT, one COMMIT and one wake-up for all of them, which is most of
// what an append costs the server (group commit). It is a layer on top of
// the protocol, not a second one: whatever it combines, appendInTx locks,
// checks and writes as it would any multi-stream append.
//
// The appends of one batch touch distinct streams (see take), so each is
// checked against its own streams' revisions and its own event ids, read
// under its own locks: what it would read alone at that moment, an idempotent
// retry included. Their callers are all waiting, so it is as if they ran
// one after the other. When a combined call fails for any reason (one
// append conflicts or repeats part of a stored append, two send one event
// id, an error), the transaction stores nothing and each of its appends
// runs again in a transaction of its own, so that every caller gets
// exactly the result or error of its own append and all-or-nothing holds
// per append, not per batch. The price: an append that fails costs the
// others of its batch a second transaction each.
//
// An append waits only while an earlier call is in flight, never for a
// timer.
type appendBatcher struct {
	// alone makes one caller's append in a transaction of its own;
	// combined makes the requests of several in one. Both wake the
	// subscriptions once they have committed.
	alone    func(context.Context, []eventstore.AppendRequest) ([]eventstore.AppendResult, error)
	combined func(context.Context, []eventstore.AppendRequest) ([]eventstore.AppendResult, error)
	stall    time.Duration // stallAfter, but for tests

	mu       sync.Mutex
	pending  []*pendingAppend
	flushers int
	callAt   time.Time // when the latest call started
}

// newAppendBatcher returns a batcher that makes appends with alone and
// combined.
func newAppendBatcher(alone, combined func(context.Context, []eventstore.AppendRequest) ([]eventstore.AppendResult, error)) *appendBatcher {
	return &appendBatcher{alone: alone, combined: combined, stall: stallAfter}
}

// pendingAppend is one caller's append waiting in a batcher.
type pendingAppend struct {
	ctx      context.Context
	requests []eventstore.AppendRequest
	events   int
	done     chan appendOutcome // buffered: the flusher never blocks on it
}

type appendOutcome struct {
	results []eventstore.AppendResult
	err     error
}

// append queues an append, starts a flusher when none runs (or the one
// running seems stuck), and waits for the outcome. A caller that leaves
// before its append was taken into a call gets ctx's error and its append
// is not made; afterwards, as with any interrupted write, it may or may
// not be stored.
func (b *appendBatcher) append(ctx context.Context, requests []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &pendingAppend{ctx: ctx, requests: requests, events: countEvents(requests), done: make(chan appendOutcome, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, p)
	if b.flushers == 0 || (b.flushers < maxFlushers && time.Since(b.callAt) > b.stall) {
		b.flushers++
		b.callAt = time.Now() // the new flusher's call starts now, not at its take
		go b.flush()
	}
	b.mu.Unlock()
	select {
	case out := <-p.done:
		return out.results, out.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// flush runs calls while appends are pending.
func (b *appendBatcher) flush() {
	for {
		batch := b.take()
		if batch == nil {
			return
		}
		b.run(batch)
	}
}

// take removes the next batch from the queue, or ends the flusher (nil)
// when nothing is pending. Appends whose caller left are answered here.
// An append touching a stream already in the batch waits for the next
// one: appendInTx, like any multi-stream append, takes each stream once.
func (b *appendBatcher) take() []*pendingAppend {
	b.mu.Lock()
	defer b.mu.Unlock()
	var batch []*pendingAppend
	streams := map[string]bool{}
	events := 0
	rest := b.pending[:0]
	for _, p := range b.pending {
		switch {
		case p.ctx.Err() != nil:
			p.done <- appendOutcome{err: p.ctx.Err()}
		case len(batch) > 0 && (events+p.events > maxBatchEvents || touchesAny(p.requests, streams)):
			rest = append(rest, p)
		default:
			batch = append(batch, p)
			events += p.events
			for _, r := range p.requests {
				streams[r.Stream] = true
			}
		}
	}
	clear(b.pending[len(rest):])
	b.pending = rest
	if len(batch) == 0 {
		b.flushers--
	} else {
		b.callAt = time.Now()
	}
	return batch
}

// run makes one combined call for the batch and hands each append its
// results, or, when the call failed, makes each append alone, all at once
// (they touch distinct streams, so they do not wait for each other).
func (b *appendBatcher) run(batch []*pendingAppend) {
	if len(batch) == 1 {
		p := batch[0]
		results, err := b.alone(p.ctx, p.requests)
		p.done <- appendOutcome{results: results, err: err}
		return
	}
	if results, err := b.combine(batch); err == nil {
		for _, p := range batch {
			n := len(p.requests)
			p.done <- appendOutcome{results: results[:n:n]}
			results = results[n:]
		}
		return
	}
	var wg sync.WaitGroup
	for _, p := range batch {
		wg.Go(func() {
			results, err := b.alone(p.ctx, p.requests)
			p.done <- appendOutcome{results: results, err: err}
		})
	}
	wg.Wait()
}

// combine makes the batch's appends in one call. No one caller's context
// ends the call, which the others still wait for; it is cancelled once
// every caller has left, so that a call stuck on a lock does not hold its
// connection and its flusher for nobody.
func (b *appendBatcher) combine(batch []*pendingAppend) ([]eventstore.AppendResult, error) {
	var all []eventstore.AppendRequest
	for _, p := range batch {
		all = append(all, p.requests...)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(batch[0].ctx))
	defer cancel()
	var waiting atomic.Int32
	waiting.Store(int32(len(batch)))
	stops := make([]func() bool, len(batch))
	for i, p := range batch {
		stops[i] = context.AfterFunc(p.ctx, func() {
			if waiting.Add(-1) == 0 {
				cancel()
			}
		})
	}
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	return b.combined(ctx, all)
}

// countEvents is the number of events of an append.
func countEvents(requests []eventstore.AppendRequest) int {
	n := 0
	for _, r := range requests {
		n += len(r.Events)
	}
	return n
}

func touchesAny(requests []eventstore.AppendRequest, streams map[string]bool) bool {
	for _, r := range requests {
		if streams[r.Stream] {
			return true
		}
	}
	return false
}
