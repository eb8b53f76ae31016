package memstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// ReadStream reads events of one stream in revision order. A stream without
// events answers eventstore.ErrStreamNotFound.
func (s *Store) ReadStream(_ context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	events := s.streams[stream]
	if len(events) == 0 {
		return nil, eventstore.ErrStreamNotFound
	}
	var picked []eventstore.RecordedEvent
	if opts.Direction == eventstore.Backwards {
		end := len(events)
		if !opts.FromEnd && opts.From < uint64(end) {
			end = int(opts.From) + 1
		}
		picked = slices.Clone(events[:end])
		slices.Reverse(picked)
	} else if opts.From < uint64(len(events)) {
		picked = events[opts.From:]
	}
	if opts.Max > 0 && len(picked) > opts.Max {
		picked = picked[:opts.Max]
	}
	out := make([]eventstore.RecordedEvent, len(picked))
	for i, e := range picked {
		out[i] = clone(e)
	}
	return out, nil
}

// ReadStreams reads several whole streams; one without events is absent.
func (s *Store) ReadStreams(_ context.Context, streams []string) (map[string][]eventstore.RecordedEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]eventstore.RecordedEvent, len(streams))
	for _, stream := range streams {
		for _, e := range s.streams[stream] {
			out[stream] = append(out[stream], clone(e))
		}
	}
	return out, nil
}

// ReadAll reads up to max events after a position, in global order (max
// <= 0: 1000, as on Postgres). It returns no event at or after the first
// position of an append still open, so an event that commits late can
// never land behind a position already read.
func (s *Store) ReadAll(_ context.Context, after eventstore.Position, max int) ([]eventstore.RecordedEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readAll(after, max), nil
}

// readAll is ReadAll with s.mu held.
func (s *Store) readAll(after eventstore.Position, max int) []eventstore.RecordedEvent {
	if max <= 0 {
		max = 1000
	}
	visible := s.visible()
	from, found := slices.BinarySearchFunc(visible, after.Commit, func(e eventstore.RecordedEvent, p uint64) int {
		return cmp.Compare(e.Position.Commit, p)
	})
	if found {
		from++
	}
	picked := visible[from:min(len(visible), from+max)]
	out := make([]eventstore.RecordedEvent, len(picked))
	for i, e := range picked {
		out[i] = clone(e)
	}
	return out
}
