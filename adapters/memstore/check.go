package memstore

import (
	"github.com/updateservice/updateservice/domain/eventstore"
)

// check decides one request as the Postgres store does: already done (an
// idempotent retry, or no events), to be written, or refused. s.mu must
// be held.
func (s *Store) check(r eventstore.AppendRequest) (bool, eventstore.AppendResult, error) {
	n := len(s.streams[r.Stream])
	rev, exists := uint64(max(n-1, 0)), n > 0
	found := 0
	for _, e := range r.Events {
		if _, ok := s.byID[e.ID]; ok {
			found++
		}
	}
	if found > 0 && found == len(r.Events) {
		if result, ok := s.retryResult(r); ok {
			return true, result, nil
		}
	}
	if !r.Expected.Allows(rev, exists) {
		return false, eventstore.AppendResult{}, &eventstore.ConflictError{Stream: r.Stream, Expected: r.Expected, Actual: rev, Exists: exists}
	}
	for _, e := range r.Events {
		if _, ok := s.byID[e.ID]; ok {
			return false, eventstore.AppendResult{}, &eventstore.IdempotencyError{Stream: r.Stream, EventID: e.ID}
		}
	}
	return len(r.Events) == 0, eventstore.AppendResult{NextExpected: rev}, nil
}

// retryResult recognises a retry: every event stored in this stream, in
// order, at consecutive revisions that the expectation allowed. s.mu must
// be held.
func (s *Store) retryResult(r eventstore.AppendRequest) (eventstore.AppendResult, bool) {
	first := s.byID[r.Events[0].ID]
	for i, e := range r.Events {
		stored := s.byID[e.ID]
		if stored.Stream != r.Stream || stored.Revision != first.Revision+uint64(i) {
			return eventstore.AppendResult{}, false
		}
	}
	if !r.Expected.Allows(first.Revision-1, first.Revision > 0) {
		return eventstore.AppendResult{}, false
	}
	last := s.byID[r.Events[len(r.Events)-1].ID]
	return eventstore.AppendResult{NextExpected: last.Revision, Position: last.Position}, true
}
