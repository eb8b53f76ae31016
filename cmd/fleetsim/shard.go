package main

import (
	"context"
	"math"
	"sync"
	"time"
)

// takeAtOnce bounds the entries a shard plays between two looks at its
// body's flush deadline and its wake-ups, and how long it holds its lock.
const takeAtOnce = 1024

// shard plays the scripts of the devices hashed to it and fills their
// webhook bodies. One goroutine plays its schedule, a second posts its
// bodies one at a time: a device's items thus reach the service in the
// order the device sent them, while the next body fills during a post.
type shard struct {
	sim *simulator

	mu    sync.Mutex
	queue schedule      // the scripts in flight, by due time
	wake  chan struct{} // an entry due before the loop's sleep ends

	body *body      // filling; owned by the loop goroutine
	full chan *body // to the poster, unbuffered: one body posted at a time
	free chan *body // the body the poster is done with
}

// newShard makes a shard with its two bodies: one filling, one posting.
func newShard(sim *simulator, prefix string) *shard {
	s := &shard{sim: sim, wake: make(chan struct{}, 1), body: newBody(prefix),
		full: make(chan *body), free: make(chan *body, 1)}
	s.free <- newBody(prefix)
	return s
}

// add schedules an entry, waking the loop when it is due before anything
// the loop sleeps for.
func (s *shard) add(e entry) {
	s.mu.Lock()
	first, queued := s.queue.next()
	s.queue.push(e)
	s.mu.Unlock()
	if !queued || e.due < first {
		select {
		case s.wake <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
}

// take pops up to takeAtOnce entries due by now into due.
func (s *shard) take(due []entry, now int64) []entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(due) < takeAtOnce {
		if next, ok := s.queue.next(); !ok || next > now {
			break
		}
		due = append(due, s.queue.pop())
	}
	return due
}

// putBack reschedules the entries still playing and returns when the
// first entry is due (math.MaxInt64 when none is).
func (s *shard) putBack(later []entry) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range later {
		s.queue.push(e)
	}
	next, ok := s.queue.next()
	if !ok {
		return math.MaxInt64
	}
	return next
}

// run plays due entries and sends full or late bodies until ctx ends; the
// items of the body it then holds are counted as not delivered.
func (s *shard) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var due, later []entry
	for ctx.Err() == nil {
		now := s.sim.now()
		due, later = s.take(due[:0], now), later[:0]
		for i := range due {
			if s.play(ctx, &due[i], now) {
				later = append(later, due[i])
			}
		}
		clear(due) // drop the async ids
		next := s.putBack(later)
		if s.body.items() > 0 && s.sim.now() >= s.body.deadline {
			s.flush(ctx)
		}
		if s.body.items() > 0 {
			next = min(next, s.body.deadline)
		}
		wait := time.Duration(next - s.sim.now())
		if len(due) == takeAtOnce || wait <= 0 {
			continue
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-timer.C:
		}
	}
	s.sim.notify.lost.Add(int64(s.body.items()))
}

// flush hands the body to the poster, waiting while the previous one is
// being posted: a service slower than the devices slows them down.
func (s *shard) flush(ctx context.Context) {
	select {
	case s.full <- s.body:
		s.body = <-s.free // the poster put its body back before taking this one
	case <-ctx.Done():
		s.sim.notify.lost.Add(int64(s.body.items()))
		s.body.reset()
	}
}

// post sends the bodies flush hands over, one at a time, until ctx ends.
func (s *shard) post(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-s.full:
			s.sim.notify.post(ctx, b.encode(), b.items())
			b.reset()
			s.free <- b
		}
	}
}
