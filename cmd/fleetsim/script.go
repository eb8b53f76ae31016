package main

import "context"

// play plays an entry that is due: a heartbeat, or its step and then the
// following ones for as long as their pauses are over by now (all of them
// with -latency 0). True when the script goes on and the entry must be
// put back; false when it is over.
func (s *shard) play(ctx context.Context, e *entry, now int64) bool {
	d := s.sim.fleet.device(int(e.index))
	if e.recovered {
		d = d.recovered()
	}
	if e.due < e.end {
		s.sendNote(ctx, d.Index, stateResource, d.states[e.step-2], now)
		e.due = min(e.due+int64(s.sim.heartbeat), e.end)
		return true
	}
	for e.due <= now {
		switch {
		case e.step == 0:
			s.sendAsync(ctx, e.asyncID, d.AsyncStatus, d.AsyncError, now)
			e.asyncID = ""
			if d.AsyncStatus >= 300 {
				return false
			}
		case int(e.step) <= d.nStates:
			s.sendNote(ctx, d.Index, stateResource, d.states[e.step-1], now)
		default:
			s.sendNote(ctx, d.Index, resultResource, d.Result, now)
			return false
		}
		e.step++
		s.pause(e, d, now)
	}
	return true
}

// pause starts the pause before the entry's step: a seeded 50% to 150% of
// the latency. Once a device has reported a state it repeats it every
// heartbeat meanwhile, as a device busy in a step does.
func (s *shard) pause(e *entry, d device, now int64) {
	length := int64(0)
	if latency := int64(s.sim.latency); latency > 0 {
		length = latency/2 + int64(mix64(d.seed^mix64(e.hash+uint64(e.step)))%uint64(latency+1))
	}
	e.end, e.due = now+length, now+length
	if beat := int64(s.sim.heartbeat); beat > 0 && e.step >= 2 && length > beat {
		e.due = now + beat
	}
}

// sendAsync adds an async response to the shard's body.
func (s *shard) sendAsync(ctx context.Context, id string, status int, errText string, now int64) {
	s.body.addAsync(id, status, errText)
	s.sent(ctx, now)
}

// sendNote adds a notification of device i's resource to the shard's body.
func (s *shard) sendNote(ctx context.Context, i int, path string, value int, now int64) {
	s.body.addNote(s.sim.fleet, i, path, value)
	s.sent(ctx, now)
}

// sent starts a body's flush deadline with its first item and hands a
// full body to the poster.
func (s *shard) sent(ctx context.Context, now int64) {
	if s.body.items() == 1 {
		s.body.deadline = now + int64(s.sim.flush)
	}
	if s.body.items() >= s.sim.batch {
		s.flush(ctx)
	}
}

// mix64 is SplitMix64's finaliser: it turns a device seed, a write and a
// step into an evenly spread latency without keeping a generator per
// script in flight.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
