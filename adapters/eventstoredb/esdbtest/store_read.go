package esdbtest

import (
	"sort"
	"strings"
)

// snapshot returns the log so far and a channel closed at the next write.
// The log only grows, so the slice stays valid without the lock.
func (s *store) snapshot() ([]*record, <-chan struct{}) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.log, s.changed
}

// streamSnapshot returns a stream's visible events so far, its tombstone
// and a channel closed at the next write.
func (s *store) streamSnapshot(name string) (events []*record, from uint64, tombstone *record, changed <-chan struct{}) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.streams[name]
	if st == nil {
		return nil, 0, nil, s.changed
	}
	return st.events, visibleFrom(name, st), st.tombstone, s.changed
}

// readState tells whether a stream can be read.
type readState int

const (
	readable readState = iota
	notFound
	deleted
)

// readStream returns the stream's visible events and where they start.
func (s *store) readStream(name string) ([]*record, uint64, readState) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.streams[name]
	switch {
	case st != nil && st.tombstone != nil:
		return nil, 0, deleted
	case st == nil || len(st.events) == 0 || st.softDeleted():
		return nil, 0, notFound
	}
	return st.events, visibleFrom(name, st), readable
}

// visibleFrom is the first revision reads show: $tb, and for a metastream
// only its last event.
func visibleFrom(name string, st *stream) uint64 {
	from := st.truncateBefore
	if strings.HasPrefix(name, "$$") && len(st.events) > 0 {
		from = max(from, uint64(len(st.events)-1))
	}
	return from
}

// indexAfter returns the index of the first record whose position is
// after (commit, prepare), or at it when inclusive.
func indexAfter(log []*record, commit, prepare uint64, inclusive bool) int {
	return sort.Search(len(log), func(i int) bool {
		p := log[i].position
		if p != commit {
			return p > commit
		}
		if inclusive {
			return p >= prepare
		}
		return p > prepare
	})
}
