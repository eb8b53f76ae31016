package eventstoredb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// ReadStream reads events of one stream in revision order. A stream
// without events (or soft-deleted) answers eventstore.ErrStreamNotFound; a
// tombstoned one answers an error matching both it and ErrStreamDeleted.
func (s *EventStore) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	count := uint64(math.MaxUint64)
	if opts.Max > 0 {
		count = uint64(opts.Max)
	}
	o := esdb.ReadStreamOptions{Direction: esdb.Forwards, From: esdb.Revision(opts.From)}
	if opts.Direction == eventstore.Backwards {
		o.Direction = esdb.Backwards
		if opts.FromEnd {
			o.From = esdb.End{}
		}
	}
	c := s.conn()
	rs, err := c.ReadStream(ctx, stream, o, count)
	if err != nil {
		s.revive(c, err)
		return nil, fmt.Errorf("eventstore.ReadStream %s: %w", stream, s.wrap(ctx, err))
	}
	defer rs.Close()
	out := []eventstore.RecordedEvent{}
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, s.readError(ctx, stream, err)
		}
		e, err := recorded(ev.Event)
		if err != nil {
			return nil, fmt.Errorf("eventstore.ReadStream %s: %w", stream, err)
		}
		out = append(out, e)
	}
}

func (s *EventStore) readError(ctx context.Context, stream string, err error) error {
	switch c, _ := code(err); {
	case ctx.Err() != nil:
	case c == esdb.ErrorCodeResourceNotFound:
		return eventstore.ErrStreamNotFound
	case c == esdb.ErrorCodeStreamDeleted:
		return fmt.Errorf("eventstore.ReadStream %s: %w: %w", stream, eventstore.ErrStreamNotFound, ErrStreamDeleted)
	}
	return fmt.Errorf("eventstore.ReadStream %s: %w", stream, s.wrap(ctx, err))
}

// ReadStreams reads several whole streams, Config.Concurrency at a time.
// Streams without events are absent from the map.
func (s *EventStore) ReadStreams(ctx context.Context, streams []string) (map[string][]eventstore.RecordedEvent, error) {
	out := make(map[string][]eventstore.RecordedEvent, len(streams))
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	limit := make(chan struct{}, s.cfg.Concurrency)
	seen := make(map[string]bool, len(streams))
	for _, name := range streams {
		if seen[name] {
			continue
		}
		seen[name] = true
		limit <- struct{}{}
		wg.Go(func() {
			defer func() { <-limit }()
			events, err := s.ReadStream(ctx, name, eventstore.ReadStreamOptions{})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, eventstore.ErrStreamNotFound):
			case err != nil:
				firstErr = cmpOr(firstErr, err)
			case len(events) > 0:
				out[name] = events
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("eventstore.ReadStreams: %w", firstErr)
	}
	return out, nil
}

// ReadAll reads up to max events after a position (exclusive) in the
// global order, skipping EventStoreDB's own events. It reads on past
// system events, so it returns fewer than max only at the end of $all.
func (s *EventStore) ReadAll(ctx context.Context, after eventstore.Position, max int) ([]eventstore.RecordedEvent, error) {
	if max <= 0 {
		max = 1000
	}
	var out []eventstore.RecordedEvent
	cursor := after
	for len(out) < max {
		// A read from a position includes the event there: ask for one more.
		want := max - len(out) + 1
		n, err := s.readAllPage(ctx, &cursor, want, max, &out)
		if err != nil {
			return nil, fmt.Errorf("eventstore.ReadAll after %s: %w", after, err)
		}
		if n < want {
			break
		}
	}
	return out, nil
}

// readAllPage reads up to want events from cursor, appends those after it
// that are the service's to out (up to max), moves cursor to the last one
// read and returns how many came.
func (s *EventStore) readAllPage(ctx context.Context, cursor *eventstore.Position, want, max int, out *[]eventstore.RecordedEvent) (int, error) {
	c := s.conn()
	rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{From: allPosition(*cursor)}, uint64(want))
	if err != nil {
		s.revive(c, err)
		return 0, s.wrap(ctx, err)
	}
	defer rs.Close()
	n := 0
	for len(*out) < max {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, s.wrap(ctx, err)
		}
		n++
		pos := position(ev.Event)
		if !cursor.Less(pos) {
			continue
		}
		*cursor = pos
		if isSystem(ev.Event) {
			continue
		}
		e, err := recorded(ev.Event)
		if err != nil {
			return 0, err
		}
		*out = append(*out, e)
	}
	return n, nil
}

// recorded converts a client event; the user metadata is the port's.
func recorded(e *esdb.RecordedEvent) (eventstore.RecordedEvent, error) {
	r := eventstore.RecordedEvent{
		ID:       e.EventID,
		Stream:   e.StreamID,
		Revision: e.EventNumber,
		Position: position(e),
		Type:     e.EventType,
		Data:     e.Data,
		Created:  e.CreatedDate,
	}
	if len(e.UserMetadata) > 0 {
		if err := json.Unmarshal(e.UserMetadata, &r.Metadata); err != nil {
			return r, fmt.Errorf("event %s in %s at revision %d: metadata: %w", e.EventID, e.StreamID, e.EventNumber, err)
		}
	}
	return r, nil
}

func position(e *esdb.RecordedEvent) eventstore.Position {
	return eventstore.Position{Commit: e.Position.Commit, Prepare: e.Position.Prepare}
}

// allPosition is where a read or subscription of $all starts.
func allPosition(p eventstore.Position) esdb.AllPosition {
	if p == eventstore.Start {
		return esdb.Start{}
	}
	return esdb.Position{Commit: p.Commit, Prepare: p.Prepare}
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
