package main

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestTheScheduleGivesEntriesBackByDueTime(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var q schedule
	var want, got []int64
	// Pushes and pops interleave, as writes arrive while scripts play, and
	// the heap grows past the size where it gives memory back.
	for round := range 5 {
		for range 3000 * (round + 1) {
			e := entry{due: r.Int64N(1000), index: uint32(r.IntN(1 << 20))}
			q.push(e)
			want = append(want, e.due)
		}
		for range 2000 * (round + 1) {
			got = append(got, q.pop().due)
		}
		if !slices.IsSorted(got[len(got)-2000*(round+1):]) {
			t.Fatalf("round %d: entries popped out of due order", round)
		}
	}
	drained := len(got)
	for len(q) > 0 {
		next, _ := q.next()
		e := q.pop()
		if e.due != next {
			t.Fatalf("next() said %d, pop gave %d", next, e.due)
		}
		got = append(got, e.due)
	}
	if !slices.IsSorted(got[drained:]) {
		t.Error("the last entries popped out of due order")
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("popped %d entries, not the %d pushed", len(got), len(want))
	}
	if cap(q) > 2048 {
		t.Errorf("an empty schedule keeps room for %d entries", cap(q))
	}
}
