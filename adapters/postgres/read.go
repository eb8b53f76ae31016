package postgres

import (
	"context"
	"fmt"
	"math"

	json "github.com/goccy/go-json" // every event read decodes its metadata: see domain/events.go

	"github.com/updateservice/updateservice/domain/eventstore"
)

const selectEvents = `SELECT position, stream_id, revision, event_id, event_type, data::text, metadata::text, created_at FROM events`

// ReadStream reads events of one stream in revision order. A stream without
// events answers eventstore.ErrStreamNotFound.
func (s *EventStore) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	limit := int64(math.MaxInt64)
	if opts.Max > 0 {
		limit = int64(opts.Max)
	}
	var query string
	from := int64(opts.From)
	if opts.From > math.MaxInt64 {
		from = math.MaxInt64
	}
	switch {
	case opts.Direction == eventstore.Backwards && opts.FromEnd:
		query, from = selectEvents+` WHERE stream_id = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`, math.MaxInt64
	case opts.Direction == eventstore.Backwards:
		query = selectEvents + ` WHERE stream_id = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`
	default:
		query = selectEvents + ` WHERE stream_id = $1 AND revision >= $2 ORDER BY revision LIMIT $3`
	}
	events, err := s.query(ctx, 0, query, stream, from, limit)
	if err != nil {
		return nil, fmt.Errorf("eventstore.ReadStream %s: %w", stream, err)
	}
	if len(events) == 0 && opts.Direction == eventstore.Forwards && opts.From == 0 {
		return nil, eventstore.ErrStreamNotFound // every stream has a revision 0
	}
	if len(events) == 0 {
		var exists bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE stream_id = $1)`, stream).Scan(&exists); err != nil {
			return nil, fmt.Errorf("eventstore.ReadStream %s: %w", stream, err)
		}
		if !exists {
			return nil, eventstore.ErrStreamNotFound
		}
	}
	return events, nil
}

// ReadStreams reads several whole streams in one query.
func (s *EventStore) ReadStreams(ctx context.Context, streams []string) (map[string][]eventstore.RecordedEvent, error) {
	events, err := s.query(ctx, len(streams), selectEvents+` WHERE stream_id = ANY($1) ORDER BY stream_id, revision`, streams)
	if err != nil {
		return nil, fmt.Errorf("eventstore.ReadStreams: %w", err)
	}
	out := make(map[string][]eventstore.RecordedEvent, len(streams))
	for _, e := range events {
		out[e.Stream] = append(out[e.Stream], e)
	}
	return out, nil
}

// ReadAll reads up to max events after a position, in global order. It only
// returns events of transactions older than every running one, so an event
// that commits late can never land behind a position already read.
func (s *EventStore) ReadAll(ctx context.Context, after eventstore.Position, max int) ([]eventstore.RecordedEvent, error) {
	return s.readAll(ctx, after, max, nil)
}

// readAll is ReadAll for a reader that acts only on the events interest
// selects: the others come without their data and metadata, which are
// most of what reading an event costs (nil interest: every event whole).
func (s *EventStore) readAll(ctx context.Context, after eventstore.Position, max int, interest eventstore.Interest) ([]eventstore.RecordedEvent, error) {
	if max <= 0 {
		max = 1000
	}
	events, err := s.queryInterested(ctx, max, interest, selectEvents+`
		WHERE position > $1 AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
		ORDER BY position LIMIT $2`, int64(after.Commit), max)
	if err != nil {
		return nil, fmt.Errorf("eventstore.ReadAll after %s: %w", after, err)
	}
	return events, nil
}

// query runs a select of events (selectEvents); sizeHint is how many it
// expects, so that the result is allocated once.
func (s *EventStore) query(ctx context.Context, sizeHint int, sql string, args ...any) ([]eventstore.RecordedEvent, error) {
	return s.queryInterested(ctx, sizeHint, nil, sql, args...)
}

// queryInterested is query that reads the data and metadata of only the
// events interest selects (nil: of every event).
func (s *EventStore) queryInterested(ctx context.Context, sizeHint int, interest eventstore.Interest, sql string, args ...any) ([]eventstore.RecordedEvent, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		out      = make([]eventstore.RecordedEvent, 0, sizeHint)
		position int64
		revision int64
		metadata []byte
	)
	for rows.Next() {
		var e eventstore.RecordedEvent
		// A nil destination skips its column: data and metadata first.
		if err := rows.Scan(&position, &e.Stream, &revision, &e.ID, &e.Type, nil, nil, &e.Created); err != nil {
			return nil, err
		}
		e.Position = pos(position)
		e.Revision = uint64(revision)
		if interest == nil || interest(e.Stream, e.Type) {
			// Data is scanned straight into a new []byte of its own (pgx
			// copies into a nil slice), not through a string.
			if err := rows.Scan(nil, nil, nil, nil, nil, &e.Data, &metadata, nil); err != nil {
				return nil, err
			}
			if err := json.Unmarshal(metadata, &e.Metadata); err != nil {
				return nil, fmt.Errorf("event at %d: metadata: %w", position, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
