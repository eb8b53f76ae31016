package contract

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/domain/eventstore"
)

func testAppendReadBack(t *testing.T, h Harness) {
	s := h.NewStore(t)
	stream := uniqueStream("order")
	events := newEvents(3, "a")
	res := mustAppend(t, s, stream, eventstore.NoStream, events)
	if res.NextExpected != 2 {
		t.Errorf("NextExpected = %d, want 2", res.NextExpected)
	}
	got := readStream(t, s, stream)
	if len(got) != 3 {
		t.Fatalf("read %d events, want 3", len(got))
	}
	for i, e := range got {
		want := events[i]
		if e.ID != want.ID || e.Type != want.Type || e.Stream != stream || e.Revision != uint64(i) {
			t.Errorf("event %d = {%s %s %s rev %d}, want {%s %s %s rev %d}", i, e.ID, e.Type, e.Stream, e.Revision, want.ID, want.Type, stream, i)
		}
		var gotData, wantData any
		if err := json.Unmarshal(e.Data, &gotData); err != nil {
			t.Errorf("event %d data %q is not JSON: %v", i, e.Data, err)
		}
		_ = json.Unmarshal(want.Data, &wantData)
		if diff := cmp.Diff(wantData, gotData); diff != "" {
			t.Errorf("event %d data (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff(want.Metadata, e.Metadata); diff != "" {
			t.Errorf("event %d metadata (-want +got):\n%s", i, diff)
		}
		if e.Created.IsZero() {
			t.Errorf("event %d has no creation time", i)
		}
		if i > 0 && !got[i-1].Position.Less(e.Position) {
			t.Errorf("positions not increasing: %s then %s", got[i-1].Position, e.Position)
		}
	}
	if res.Position != got[2].Position {
		t.Errorf("append reported position %s, last event is at %s", res.Position, got[2].Position)
	}
}

func testExpectedRevisions(t *testing.T, h Harness) {
	s := h.NewStore(t)
	cases := []struct {
		name     string
		existing int // events already in the stream
		expected eventstore.ExpectedRevision
		ok       bool
	}{
		{"any on a new stream", 0, eventstore.Any, true},
		{"any on an existing stream", 3, eventstore.Any, true},
		{"no stream on a new stream", 0, eventstore.NoStream, true},
		{"no stream on an existing stream", 3, eventstore.NoStream, false},
		{"stream exists on a new stream", 0, eventstore.StreamExists, false},
		{"stream exists on an existing stream", 3, eventstore.StreamExists, true},
		{"exact last revision", 3, eventstore.Exact(2), true},
		{"exact stale revision", 3, eventstore.Exact(1), false},
		{"exact future revision", 3, eventstore.Exact(3), false},
		{"exact zero on a new stream", 0, eventstore.Exact(0), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stream := uniqueStream("rev")
			if c.existing > 0 {
				mustAppend(t, s, stream, eventstore.NoStream, newEvents(c.existing, "before"))
			}
			_, err := s.Append(ctxFor(t), stream, c.expected, newEvents(2, "now")...)
			after := readStream(t, s, stream)
			if c.ok {
				if err != nil {
					t.Fatalf("append: %v, want success", err)
				}
				if len(after) != c.existing+2 {
					t.Errorf("stream has %d events, want %d", len(after), c.existing+2)
				}
				return
			}
			var conflict *eventstore.ConflictError
			if !errors.As(err, &conflict) {
				t.Fatalf("append error = %v, want a ConflictError", err)
			}
			if conflict.Exists != (c.existing > 0) || (c.existing > 0 && conflict.Actual != uint64(c.existing-1)) {
				t.Errorf("conflict reports exists=%v actual=%d, want exists=%v actual=%d", conflict.Exists, conflict.Actual, c.existing > 0, c.existing-1)
			}
			if len(after) != c.existing {
				t.Errorf("a refused append changed the stream: %d events, want %d", len(after), c.existing)
			}
		})
	}
}

func testIdempotency(t *testing.T, h Harness) {
	s := h.NewStore(t)
	t.Run("same events at the same expected revision", func(t *testing.T) {
		stream := uniqueStream("idem")
		events := newEvents(3, "x")
		first := mustAppend(t, s, stream, eventstore.NoStream, events)
		again := mustAppend(t, s, stream, eventstore.NoStream, events)
		if again != first {
			t.Errorf("retry result %+v, want %+v", again, first)
		}
		if got := readStream(t, s, stream); len(got) != 3 {
			t.Errorf("stream has %d events after a retry, want 3", len(got))
		}
	})
	t.Run("retry with an exact revision after later appends", func(t *testing.T) {
		stream := uniqueStream("idem")
		mustAppend(t, s, stream, eventstore.NoStream, newEvents(1, "a"))
		events := newEvents(2, "b")
		first := mustAppend(t, s, stream, eventstore.Exact(0), events)
		mustAppend(t, s, stream, eventstore.Exact(2), newEvents(1, "c"))
		again := mustAppend(t, s, stream, eventstore.Exact(0), events)
		if again != first {
			t.Errorf("retry result %+v, want %+v", again, first)
		}
		if got := readStream(t, s, stream); len(got) != 4 {
			t.Errorf("stream has %d events, want 4", len(got))
		}
	})
	t.Run("retry with any", func(t *testing.T) {
		stream := uniqueStream("idem")
		events := newEvents(2, "y")
		first := mustAppend(t, s, stream, eventstore.Any, events)
		again := mustAppend(t, s, stream, eventstore.Any, events)
		if again != first {
			t.Errorf("retry result %+v, want %+v", again, first)
		}
		if got := readStream(t, s, stream); len(got) != 2 {
			t.Errorf("stream has %d events after a retry, want 2", len(got))
		}
	})
	t.Run("partly stored events are refused", func(t *testing.T) {
		stream := uniqueStream("idem")
		events := newEvents(2, "z")
		mustAppend(t, s, stream, eventstore.NoStream, events[:1])
		if _, err := s.Append(ctxFor(t), stream, eventstore.NoStream, events...); err == nil {
			t.Fatal("append of one stored and one new event succeeded, want an error")
		}
		if got := readStream(t, s, stream); len(got) != 1 {
			t.Errorf("stream has %d events, want 1", len(got))
		}
	})
}

func testAppendMulti(t *testing.T, h Harness) {
	s := h.NewStore(t)
	a, b, c := uniqueStream("multi"), uniqueStream("multi"), uniqueStream("multi")
	mustAppend(t, s, b, eventstore.NoStream, newEvents(2, "b0"))
	aEvents := newEvents(3, "a")
	results, err := s.AppendMulti(ctxFor(t), []eventstore.AppendRequest{
		{Stream: a, Expected: eventstore.NoStream, Events: aEvents},
		{Stream: b, Expected: eventstore.Exact(1), Events: newEvents(1, "b")},
	})
	if err != nil {
		t.Fatalf("multi-stream append: %v", err)
	}
	if results[0].NextExpected != 2 || results[1].NextExpected != 2 {
		t.Errorf("results %+v, want next expected 2 and 2", results)
	}
	if len(readStream(t, s, a)) != 3 || len(readStream(t, s, b)) != 3 {
		t.Errorf("streams hold %d and %d events, want 3 and 3", len(readStream(t, s, a)), len(readStream(t, s, b)))
	}
	// A redelivered append that also reaches a new stream: the stored part
	// is recognised where it is, the new part is written.
	d := uniqueStream("multi")
	again, err := s.AppendMulti(ctxFor(t), []eventstore.AppendRequest{
		{Stream: a, Expected: eventstore.NoStream, Events: aEvents},
		{Stream: d, Expected: eventstore.NoStream, Events: newEvents(1, "d")},
	})
	if err != nil {
		t.Fatalf("append of a retried and a new stream: %v", err)
	}
	if again[0] != results[0] || again[1].NextExpected != 0 {
		t.Errorf("results %+v, want %+v for the retried stream and next expected 0", again, results[0])
	}
	if len(readStream(t, s, a)) != 3 || len(readStream(t, s, d)) != 1 {
		t.Errorf("streams hold %d and %d events, want 3 and 1", len(readStream(t, s, a)), len(readStream(t, s, d)))
	}
	// A stream marked Last is not written when another stream fails, on
	// every store, whatever the order of the requests.
	e := uniqueStream("multi")
	_, err = s.AppendMulti(ctxFor(t), []eventstore.AppendRequest{
		{Stream: e, Expected: eventstore.NoStream, Events: newEvents(1, "e"), Last: true},
		{Stream: b, Expected: eventstore.Exact(0), Events: newEvents(1, "stale")},
	})
	var stale *eventstore.ConflictError
	if !errors.As(err, &stale) || stale.Stream != b {
		t.Fatalf("append with one stale stream and one marked last: error %v, want a ConflictError on %s", err, b)
	}
	if got := readStream(t, s, e); len(got) != 0 {
		t.Errorf("the stream marked last got %d events though another stream failed", len(got))
	}
	if !h.AtomicMulti {
		return
	}
	_, err = s.AppendMulti(ctxFor(t), []eventstore.AppendRequest{
		{Stream: c, Expected: eventstore.NoStream, Events: newEvents(1, "c")},
		{Stream: b, Expected: eventstore.Exact(0), Events: newEvents(1, "stale")},
	})
	var conflict *eventstore.ConflictError
	if !errors.As(err, &conflict) || conflict.Stream != b {
		t.Fatalf("append with one stale stream: error %v, want a ConflictError on %s", err, b)
	}
	if got := readStream(t, s, c); len(got) != 0 {
		t.Errorf("a refused multi-stream append wrote %d events to %s", len(got), c)
	}
}

func testReadStream(t *testing.T, s0 Harness) {
	s := s0.NewStore(t)
	stream := uniqueStream("read")
	events := newEvents(10, "r")
	mustAppend(t, s, stream, eventstore.NoStream, events)
	all := dataIDs(events)
	cases := []struct {
		name string
		opts eventstore.ReadStreamOptions
		want []int // indexes into events
	}{
		{"forwards from the start", eventstore.ReadStreamOptions{}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"forwards from revision 7", eventstore.ReadStreamOptions{From: 7}, []int{7, 8, 9}},
		{"forwards with a maximum", eventstore.ReadStreamOptions{From: 2, Max: 3}, []int{2, 3, 4}},
		{"forwards past the end", eventstore.ReadStreamOptions{From: 10}, []int{}},
		{"backwards from the end", eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 3}, []int{9, 8, 7}},
		{"backwards from revision 2", eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: 2}, []int{2, 1, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ReadStream(ctxFor(t), stream, c.opts)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			want := []string{}
			for _, i := range c.want {
				want = append(want, all[i].String())
			}
			gotIDs := []string{}
			for _, e := range got {
				gotIDs = append(gotIDs, e.ID.String())
			}
			if diff := cmp.Diff(want, gotIDs); diff != "" {
				t.Errorf("event ids (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("several streams at once", func(t *testing.T) {
		other := uniqueStream("read")
		otherEvents := newEvents(2, "o")
		mustAppend(t, s, other, eventstore.NoStream, otherEvents)
		missing := uniqueStream("missing")
		got, err := s.ReadStreams(ctxFor(t), []string{stream, other, missing})
		if err != nil {
			t.Fatalf("read streams: %v", err)
		}
		want := map[string][]string{stream: idStrings(dataIDs(events)), other: idStrings(dataIDs(otherEvents))}
		gotIDs := map[string][]string{}
		for name, evs := range got {
			gotIDs[name] = idStrings(ids(evs))
		}
		if diff := cmp.Diff(want, gotIDs); diff != "" {
			t.Errorf("streams (-want +got):\n%s", diff)
		}
	})
	t.Run("a stream without events is not found", func(t *testing.T) {
		_, err := s.ReadStream(ctxFor(t), uniqueStream("missing"), eventstore.ReadStreamOptions{})
		if !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Errorf("error = %v, want ErrStreamNotFound", err)
		}
	})
}

func testReadAll(t *testing.T, h Harness) {
	s := h.NewStore(t)
	head := lastPosition(t, s)
	a, b := uniqueStream("all"), uniqueStream("all")
	ea, eb := newEvents(150, "a"), newEvents(60, "b")
	mustAppend(t, s, a, eventstore.NoStream, ea[:100])
	mustAppend(t, s, b, eventstore.NoStream, eb)
	end := mustAppend(t, s, a, eventstore.Exact(99), ea[100:]).Position
	got := onlyStreams(readAllUntil(t, s, head, end), map[string]bool{a: true, b: true})
	want := append(append(dataIDs(ea[:100]), dataIDs(eb)...), dataIDs(ea[100:])...)
	if diff := cmp.Diff(want, ids(got)); diff != "" {
		t.Fatalf("global order (-want +got):\n%s", diff)
	}
	for i := 1; i < len(got); i++ {
		if !got[i-1].Position.Less(got[i].Position) {
			t.Fatalf("positions not increasing at %d: %s then %s", i, got[i-1].Position, got[i].Position)
		}
	}
	middle := got[120].Position
	rest := onlyStreams(readAllUntil(t, s, middle, end), map[string]bool{a: true, b: true})
	if diff := cmp.Diff(ids(got[121:]), ids(rest)); diff != "" {
		t.Errorf("reading after position %s (-want +got):\n%s", middle, diff)
	}
}

// lastPosition returns the position of the last event in the store.
func lastPosition(t *testing.T, s eventstore.Store) eventstore.Position {
	t.Helper()
	all := readAllFrom(t, s, eventstore.Start)
	if len(all) == 0 {
		return eventstore.Start
	}
	return all[len(all)-1].Position
}

func idStrings(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}
