package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// Limits of the appends a batcher combines into one statement.
const (
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
// time into one call of append_events: one transaction, one commit and
// one notification for all of them, which is most of what an append costs
// the server (group commit). An append waits only while an earlier
// combined call is in flight, never for a timer. When a combined call does
// not write — one of its appends conflicts, is a retry or fails — each
// append runs again on its own, so that every caller gets exactly the
// result or error of its own append, and all-or-nothing still holds per
// append.
type appendBatcher struct {
	alone    func(context.Context, []eventstore.AppendRequest) ([]eventstore.AppendResult, error)
	combined func(context.Context, []eventstore.AppendRequest) ([]eventstore.AppendResult, bool, error)

	mu       sync.Mutex
	pending  []*pendingAppend
	flushers int
	callAt   time.Time // when the latest call started
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
// running seems stuck), and waits for the outcome. A caller that leaves before its append
// was taken into a call gets ctx's error and its append is not made;
// afterwards, as with any interrupted write, it may or may not be stored.
func (b *appendBatcher) append(ctx context.Context, requests []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	p := &pendingAppend{ctx: ctx, requests: requests, events: countEvents(requests), done: make(chan appendOutcome, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, p)
	if b.flushers == 0 || (b.flushers < maxFlushers && time.Since(b.callAt) > stallAfter) {
		b.flushers++
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

// flush runs combined calls while appends are pending.
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
// when nothing is pending. Appends whose caller left are answered here;
// an append touching a stream already in the batch waits for the next one
// (one append_events call takes each stream once).
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
// results, or runs each on its own when the call did not write them all.
func (b *appendBatcher) run(batch []*pendingAppend) {
	if len(batch) > 1 {
		var all []eventstore.AppendRequest
		for _, p := range batch {
			all = append(all, p.requests...)
		}
		results, ok, err := b.combined(context.WithoutCancel(batch[0].ctx), all)
		if err == nil && ok {
			for _, p := range batch {
				p.done <- appendOutcome{results: results[:len(p.requests):len(p.requests)]}
				results = results[len(p.requests):]
			}
			return
		}
	}
	for _, p := range batch {
		results, err := b.alone(p.ctx, p.requests)
		p.done <- appendOutcome{results: results, err: err}
	}
}

func touchesAny(requests []eventstore.AppendRequest, streams map[string]bool) bool {
	for _, r := range requests {
		if streams[r.Stream] {
			return true
		}
	}
	return false
}
