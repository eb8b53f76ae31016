package main

// entry is one device's script in flight: the step it is at and when it is
// due. It is all a written device costs while it plays, some 48 bytes
// (and its async id until the async response is out), where a goroutine
// per script cost kilobytes.
type entry struct {
	// due is when the entry next wakes: the end of the step's pause, or a
	// heartbeat before it. Times are nanoseconds on the simulator's clock.
	due int64
	// end is when the step's pause is over and the step is played.
	end int64
	// asyncID is the write's async id, cleared once the async response
	// is sent since nothing else needs it.
	asyncID string
	// hash is the async id's hash: it seeds this write's latencies, so a
	// repeated write does not replay the same ones.
	hash uint64
	// index is the device's index in the fleet.
	index uint32
	// recovered marks a flaky device's write after its first: it installs.
	recovered bool
	// step is 0 for the async response, 1 to n for the n update states,
	// n+1 for the update result.
	step uint8
}

// schedule is a min-heap of entries by due time. It is hand-written over a
// slice of entries rather than container/heap, whose interface would box
// every entry pushed and popped.
type schedule []entry

// push adds an entry.
func (q *schedule) push(e entry) {
	*q = append(*q, e)
	h := *q
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if h[parent].due <= h[i].due {
			break
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

// pop removes and returns the entry due first; the heap must not be empty.
// A heap that shrank to a quarter of its capacity gives half of it back,
// so that a burst of writes does not keep its memory for the whole run.
func (q *schedule) pop() entry {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = entry{} // drop the async id it may hold
	h = h[:last]
	for i := 0; ; {
		least, left, right := i, 2*i+1, 2*i+2
		if left < len(h) && h[left].due < h[least].due {
			least = left
		}
		if right < len(h) && h[right].due < h[least].due {
			least = right
		}
		if least == i {
			break
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
	if cap(h) > 1024 && len(h) < cap(h)/4 {
		h = append(make(schedule, 0, cap(h)/2), h...)
	}
	*q = h
	return top
}

// next is when the first entry is due; false when there is none.
func (q schedule) next() (int64, bool) {
	if len(q) == 0 {
		return 0, false
	}
	return q[0].due, true
}
