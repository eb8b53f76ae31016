package esdbtest

import (
	"math"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// The rules this store keeps are EventStoreDB's (IndexWriter.CheckCommit,
// the soft-delete and tombstone paths), so that code tested against it
// meets the same answers from a real server:
//
//  1. Every record is at a log position (a byte offset: commit position
//     and prepare position are the same number for each event); positions
//     grow with every write and are never reused.
//  2. Expected revisions: any; no stream (-1); stream exists; or the exact
//     revision of the stream's last event. A soft-deleted stream accepts
//     no stream, any and its last revision (it is recreated, revisions
//     continuing); stream exists on it answers "stream deleted".
//  3. Idempotency: with any / stream exists, an append whose first event
//     id is already in the stream is a retry if all its ids are (answered
//     with where they are), corrupt if only some are. With an exact or no
//     stream expectation behind the stream's end, the events at the
//     following revisions must carry the same ids in order. Corrupt
//     retries answer "wrong expected version".
//  4. A soft delete writes {"$tb": MaxInt64} to the metastream: reads
//     answer "stream not found", $all keeps the events. Appending again
//     writes {"$tb": first new revision} and reads show only new events.
//  5. A tombstone is a "$streamDeleted" record at revision MaxInt64: the
//     stream can never be read, written or deleted again.
//  6. A metastream ("$$name") shows only its last event ($maxCount 1).

// deletedStream is EventStoreDB's EventNumber.DeletedStream: the
// tombstone's revision and the $tb of a soft-deleted stream.
const deletedStream = math.MaxInt64

// Expected revisions as EventStoreDB numbers them; an exact revision is
// the number itself.
const (
	expectAny          int64 = -2
	expectNoStream     int64 = -1
	expectStreamExists int64 = -4
)

// firstPosition is where the first event goes: a real log starts with
// its chunk header and epoch records, so no event is at position 0.
const firstPosition = 4096

// record is one event in the log.
type record struct {
	stream      string
	revision    uint64
	id          uuid.UUID
	eventType   string
	contentType string
	data        []byte
	metadata    []byte // the user's (custom) metadata
	created     int64  // 100-ns ticks since the Unix epoch, as .NET counts
	position    uint64 // commit position == prepare position
}

// stream is one stream's state.
type stream struct {
	events         []*record // revision i at index i
	tombstone      *record
	truncateBefore uint64 // $tb: revisions below are hidden from reads
}

func (s *stream) last() int64 {
	if s == nil {
		return -1
	}
	return int64(len(s.events)) - 1
}

func (s *stream) softDeleted() bool { return s != nil && s.truncateBefore == deletedStream }

// proposed is an event as an append proposes it.
type proposed struct {
	id          uuid.UUID
	eventType   string
	contentType string
	data        []byte
	metadata    []byte
}

// store is the whole database: the log in global order and the streams.
type store struct {
	now     func() time.Time
	mu      sync.RWMutex
	log     []*record
	streams map[string]*stream
	ids     map[uuid.UUID]*record // the last record written with each id
	next    uint64                // the next log position
	changed chan struct{}         // closed and replaced on every write
}

func newStore(now func() time.Time) *store {
	return &store{now: now, streams: map[string]*stream{}, ids: map[uuid.UUID]*record{},
		next: firstPosition, changed: make(chan struct{})}
}

// outcome is how a write ended.
type outcome int

const (
	written outcome = iota
	wrongVersion
	streamDeleted
)

// appendResult is an append's answer: for a success the stream's last
// revision (-1: no stream) and the position of the last event written or
// retried (hasPosition false when nothing was written); for a wrong
// expected version the stream's current revision.
type appendResult struct {
	outcome     outcome
	revision    int64
	position    uint64
	hasPosition bool
}

// decision is CheckCommit's answer.
type decision int

const (
	commitOK decision = iota
	commitIdempotent
	commitWrongVersion
	commitCorrupted
)

// append checks the expectation and idempotency, then writes the events.
func (s *store) append(name string, expected int64, events []proposed) appendResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[name]
	cur := st.last()
	if st != nil && st.tombstone != nil {
		return appendResult{outcome: streamDeleted}
	}
	if expected == expectStreamExists {
		if st.softDeleted() {
			return appendResult{outcome: streamDeleted}
		}
		if cur < 0 && s.streams[metastream(name)].last() < 0 {
			return appendResult{outcome: wrongVersion, revision: cur}
		}
	}
	d, retried := s.checkCommit(name, st, cur, expected, events)
	switch d {
	case commitIdempotent:
		return appendResult{outcome: written, revision: int64(retried.revision), position: retried.position, hasPosition: true}
	case commitWrongVersion, commitCorrupted:
		return appendResult{outcome: wrongVersion, revision: cur}
	case commitOK: // appended below
	}
	if len(events) == 0 {
		return appendResult{outcome: written, revision: cur}
	}
	if st.softDeleted() {
		s.writeMetadata(name, "$tb", cur+1)
	}
	st = s.stream(name)
	var last *record
	for _, e := range events {
		last = s.add(&record{stream: name, revision: uint64(len(st.events)), id: e.id, eventType: e.eventType,
			contentType: e.contentType, data: e.data, metadata: e.metadata})
		st.events = append(st.events, last)
	}
	if original, ok := strings.CutPrefix(name, "$$"); ok {
		s.applyMetadata(original, last.data)
	}
	s.notify()
	return appendResult{outcome: written, revision: int64(last.revision), position: last.position, hasPosition: true}
}

// checkCommit is EventStoreDB's IndexWriter.CheckCommit: the expectation
// and the idempotency of a retry. For a retry it returns the last event
// the retry matched.
func (s *store) checkCommit(name string, st *stream, cur, expected int64, events []proposed) (decision, *record) {
	if expected == expectAny || expected == expectStreamExists {
		var last *record
		for i, e := range events {
			r, ok := s.ids[e.id]
			if !ok || r.stream != name {
				if i == 0 {
					return commitOK, nil
				}
				return commitCorrupted, nil
			}
			last = r
		}
		if last == nil {
			return commitOK, nil
		}
		return commitIdempotent, last
	}
	if expected < cur {
		n := expected
		for i, e := range events {
			n++
			if n <= cur && st.events[n].id == e.id {
				continue
			}
			if i > 0 {
				return commitCorrupted, nil
			}
			if expected == expectNoStream && st.softDeleted() {
				return commitOK, nil
			}
			return commitWrongVersion, nil
		}
		if len(events) == 0 {
			return commitWrongVersion, nil
		}
		return commitIdempotent, st.events[n]
	}
	if expected > cur {
		return commitWrongVersion, nil
	}
	return commitOK, nil
}

// add puts a record at the end of the log. The caller holds the lock.
func (s *store) add(r *record) *record {
	r.created = s.now().UnixNano() / 100
	r.position = s.next
	s.next += uint64(80 + len(r.stream) + len(r.eventType) + len(r.data) + len(r.metadata))
	s.log = append(s.log, r)
	s.ids[r.id] = r
	return r
}

func (s *store) stream(name string) *stream {
	st := s.streams[name]
	if st == nil {
		st = &stream{}
		s.streams[name] = st
	}
	return st
}

// notify wakes the subscriptions. The caller holds the lock.
func (s *store) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func metastream(name string) string { return "$$" + name }
