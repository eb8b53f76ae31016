package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// Codes of the expectations that appendStatement understands.
const (
	expectedAny          = -1
	expectedNoStream     = -2
	expectedStreamExists = -3
)

// appendStatement is a small append in one statement: one round trip,
// committed on its own. It is made for the common case of a command, new
// events with their expectations met, and checks only what it needs to
// write them; anything else ends in an error or in no write, and the
// append then runs in a transaction, which reads what it needs to decide
// (appendInTx).
//
// It does not look for the event ids: one already stored makes its insert
// fail on the event id constraint (a retry). Nor does it look up a stream
// expected not to exist: its first event takes revision 0, which the
// (stream_id, revision) constraint refuses when the stream exists after
// all. Together the two lookups took about a tenth of a call; what the
// statement leaves to the transaction (a conflict, a retry) costs a second
// round trip instead.
//
// It reads the other streams' revisions in the statement's snapshot, taken
// before it holds their locks, so an append committed in between makes
// its insert fail on the (stream_id, revision) or event id constraint
// rather than write over it (see isRaceLost); holding the locks until it
// commits keeps it out of the way of appendInTx, which reads under them.
//
// Positions are allocated as allocate_positions does it, under the same
// lock, but with the lock held until the statement commits, a few dozen
// microseconds later: the function's subtransaction, which lets it let go
// early, cost the server more than anything else in the statement. The
// nesting orders the steps: the lock, then the transaction id (the
// statement's first write, as the fence needs), then the positions. The
// stream locks come first, through the condition, so every appender
// takes the stream locks before the positions' lock.
//
// Arguments: the requests' streams and their expectations coded as
// expected_any (-1), expected_no_stream (-2), expected_stream_exists (-3)
// or the exact revision (>= 0); the sorted distinct lock keys; the
// events, each with the 1-based index of its request, in request order;
// positionsLock; then each event's 1-based place in its request, from
// which its revision follows (numbering them in the statement took a sort
// and a window, 5% of a call).
//
// Rows: one per request, its stream, its revision before the append
// (NULL: no events, or expected to have none) and, when the statement
// wrote, the first position of the whole append.
const appendStatement = `WITH req AS MATERIALIZED (
		SELECT r.i, r.name, r.expected,
			CASE WHEN r.expected <> -2 THEN (SELECT e.revision FROM events e WHERE e.stream_id = r.name ORDER BY e.revision DESC LIMIT 1) END AS cur
		FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS r(name, expected, i)
	), locked AS MATERIALIZED (
		SELECT count(*) AS n FROM (SELECT pg_advisory_xact_lock($3, k) FROM unnest($4::int[]) AS t(k)) AS l
	), first AS MATERIALIZED (
		SELECT min(nextval('event_position')) AS p
		FROM (SELECT pg_current_xact_id() FROM (SELECT pg_advisory_xact_lock($10) OFFSET 0) AS l OFFSET 0) AS x,
			generate_series(1, cardinality($5::uuid[]))
		WHERE (SELECT bool_and(CASE r.expected
					WHEN -1 THEN true
					WHEN -2 THEN r.cur IS NULL
					WHEN -3 THEN r.cur IS NOT NULL
					ELSE r.cur IS NOT DISTINCT FROM r.expected END) FROM req r)
			AND (SELECT n FROM locked) >= 0
		HAVING count(*) > 0
	), ins AS (
		INSERT INTO events (position, stream_id, revision, event_id, event_type, data, metadata)
		SELECT f.p + t.o - 1, r.name, coalesce(r.cur, -1) + t.k, t.i, t.y, t.d::json, t.m::json
		FROM first f,
			unnest($6::int[], $5::uuid[], $7::text[], $8::text[], $9::text[], $11::int[]) WITH ORDINALITY AS t(r, i, y, d, m, k, o)
			JOIN req r ON r.i = t.r
	)
	SELECT r.name, r.cur, f.p FROM req r LEFT JOIN first f ON true`

// appendOneStatement tries a small append as appendStatement. ok is false
// when the statement did not write (an expectation not met, no events):
// the caller then runs the append in a transaction, which tells a conflict
// from a retry. An error on the events' unique constraints is a retry, or
// a race lost to another append (isRaceLost), and goes the same way.
func appendOneStatement(ctx context.Context, q batchSender, requests []eventstore.AppendRequest) (results []eventstore.AppendResult, ok bool, err error) {
	call, err := newAppendCall(requests)
	if err != nil {
		return nil, false, err
	}
	current := make(map[string]uint64, len(requests))
	var first *int64
	var stream string
	var revision, position *int64
	b := &pgx.Batch{}
	// A plan made for the parameters' values is no better here than the
	// generic one, but Postgres keeps choosing to make one (it takes the
	// arrays for a hundred rows each in the generic plan), and planning
	// cost the server more than running the statement. The setting lasts
	// until the batch's implicit transaction ends.
	b.Queue(`SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`)
	b.Queue(appendStatement, call.streams, call.expected, streamLockSpace, lockKeys(call.streams),
		call.ids, call.requests, call.types, call.data, call.metadata, positionsLock, call.places).Query(func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, []any{&stream, &revision, &position}, func() error {
			if revision != nil {
				current[stream] = uint64(*revision)
			}
			if position != nil {
				first = position
			}
			return nil
		})
		return err
	})
	if err := q.SendBatch(ctx, b).Close(); err != nil {
		return nil, false, err
	}
	if first == nil {
		return nil, false, nil
	}
	return call.written(requests, current, *first), true, nil
}

// appendCall holds the arguments of appendStatement.
type appendCall struct {
	streams  []string
	expected []int64
	requests []int32
	places   []int32    // each event's place in its request, from 1
	ids      [][16]byte // pgx encodes [16]byte as uuid directly
	types    []string
	data     []string
	metadata []string
}

func newAppendCall(requests []eventstore.AppendRequest) (*appendCall, error) {
	c := &appendCall{}
	for i, r := range requests {
		c.streams = append(c.streams, r.Stream)
		c.expected = append(c.expected, expectedCode(r.Expected))
		for j, e := range r.Events {
			meta, err := json.Marshal(e.Metadata)
			if err != nil {
				return nil, err
			}
			c.requests = append(c.requests, int32(i+1))
			c.places = append(c.places, int32(j+1))
			c.ids = append(c.ids, e.ID)
			c.types = append(c.types, e.Type)
			c.data = append(c.data, jsonText(e.Data))
			c.metadata = append(c.metadata, string(meta))
		}
	}
	return c, nil
}

// written is the results of an append that appendStatement wrote: events
// at consecutive positions from first, in request order.
func (c *appendCall) written(requests []eventstore.AppendRequest, current map[string]uint64, first int64) []eventstore.AppendResult {
	results := make([]eventstore.AppendResult, len(requests))
	offset := int64(0)
	for i, r := range requests {
		rev, exists := current[r.Stream]
		if len(r.Events) == 0 {
			results[i] = eventstore.AppendResult{NextExpected: rev}
			continue
		}
		next := uint64(0)
		if exists {
			next = rev + 1
		}
		offset += int64(len(r.Events))
		results[i] = eventstore.AppendResult{NextExpected: next + uint64(len(r.Events)) - 1, Position: pos(first + offset - 1)}
	}
	return results
}

// expectedCode codes an expectation for appendStatement.
func expectedCode(e eventstore.ExpectedRevision) int64 {
	switch {
	case e.IsAny():
		return expectedAny
	case e.IsNoStream():
		return expectedNoStream
	case e.IsStreamExists():
		return expectedStreamExists
	}
	rev, _ := e.ExactRevision()
	return int64(rev)
}
