package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// notifyChannel is the LISTEN/NOTIFY channel that wakes subscriptions in
// other processes when appends commit (see announcer).
const notifyChannel = "event_store_appended"

// streamLockSpace is the first key of the two-key advisory locks that
// serialize appends per stream (the second key is a hash of the name).
const streamLockSpace = 0x45535354 // "ESST"

// positionsLock is the advisory lock under which positions are allocated:
// the key allocate_positions (migration 001) takes. The function holds it
// as a session lock and lets it go in an EXCEPTION handler too, at the
// cost of a subtransaction, small next to the transaction it runs once in.
// Taking and letting go of it with statements sent from here instead
// would leave it held whenever the allocation failed (an error skips the
// rest of a pipeline), stopping every append until the connection is
// closed.
const positionsLock = 7415081937452013

// copyThreshold is the number of events from which an append uses COPY
// instead of a multi-row INSERT: COPY costs more round trips but streams.
const copyThreshold = 64

// EventStore is the Postgres implementation of the event store port.
type EventStore struct {
	pool      *pgxpool.Pool
	notifier  *notifier
	announcer *announcer
	batcher   *appendBatcher
	// PollInterval bounds how long a caught-up subscription waits without
	// a notification before it reads again (a reader held back by the
	// fence is not notified when the older transaction ends).
	PollInterval time.Duration
}

// NewEventStore returns an event store on pool. The tables must exist:
// call Migrate first.
func NewEventStore(pool *pgxpool.Pool) *EventStore {
	self := uuid.NewString()
	s := &EventStore{pool: pool, notifier: newNotifier(pool, self), announcer: &announcer{pool: pool, self: self},
		PollInterval: 100 * time.Millisecond}
	s.batcher = newAppendBatcher(s.commit, s.commit)
	return s
}

// Close stops the store's notification listener. It does not close the pool.
func (s *EventStore) Close() { s.notifier.close() }

// Append appends events to one stream if its revision matches expected.
func (s *EventStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	results, err := s.AppendMulti(ctx, []eventstore.AppendRequest{{Stream: stream, Expected: expected, Events: events}})
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return results[0], nil
}

// AppendMulti appends to several streams in one transaction: either every
// request's expectation holds and all events are stored, or nothing is.
// A request whose events are all already stored where they would go is an
// idempotent retry: it reports where they are and stores nothing. Every
// append, of one event or of a whole fleet's, is made by appendInTx: a
// small one in a transaction it may share with the small appends of other
// callers made at the same time (see appendBatcher), a large one in a
// transaction of its own.
func (s *EventStore) AppendMulti(ctx context.Context, requests []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(requests); err != nil {
		return nil, err
	}
	var results []eventstore.AppendResult
	var err error
	if countEvents(requests) < smallAppend {
		results, err = s.batcher.append(ctx, requests)
	} else {
		results, err = s.commit(ctx, requests)
	}
	if err != nil {
		return nil, fmt.Errorf("eventstore.Append: %w", err)
	}
	return results, nil
}

// commit makes an append in a transaction of its own and, once it has
// committed, wakes the subscriptions: once for all its requests, however
// many callers they came from.
func (s *EventStore) commit(ctx context.Context, requests []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	results, err := s.appendInTransaction(ctx, requests)
	if err != nil {
		return nil, err
	}
	s.appended(requests)
	return results, nil
}

// appended wakes the subscriptions of this process at once (those that
// act on the appended events: see SubscribeAllInterested) and those of
// other processes soon (announcer): an append has committed.
func (s *EventStore) appended(requests []eventstore.AppendRequest) {
	s.notifier.appended(requests)
	s.announcer.announce()
}

// appendTx is the isolation of an append's transaction. Read committed
// gives each statement a snapshot of its own, so the revisions read after
// the stream locks are taken include every append that held them before;
// under repeatable read the snapshot would date from the lock statement,
// whatever the server's default says.
var appendTx = pgx.TxOptions{IsoLevel: pgx.ReadCommitted}

// appendInTransaction makes an append in a transaction of its own.
func (s *EventStore) appendInTransaction(ctx context.Context, requests []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	var results []eventstore.AppendResult
	err := pgx.BeginTxFunc(ctx, s.pool, appendTx, func(tx pgx.Tx) error {
		var err error
		results, err = appendInTx(ctx, tx, requests)
		return err
	})
	return results, err
}

// appendInTx is the store's one append protocol. Its correctness rests
// on the order of its statements, not on how any of them is planned:
//
//  1. It takes the streams' advisory locks, held until the transaction
//     ends, in sorted key order so that two appends never wait for each
//     other in a cycle.
//  2. Later statements read the streams' revisions and where the event
//     ids are already stored. Each has a snapshot of its own (appendTx),
//     taken under the locks: it sees every append to these streams that
//     committed before, and none can commit until this one ends, so the
//     expected revisions checked here still hold at commit.
//  3. It writes, allocate_positions first: the transaction's first write,
//     so that its transaction id is assigned under the positions' lock
//     together with its positions. A transaction with a lower id then
//     always holds lower positions, which is what lets readers fenced at
//     the oldest running transaction (readAll) never pass a position that
//     a late commit fills in.
//
// The locks and reads go in one round trip; the writes in another for a
// small append, by COPY for a large one.
func appendInTx(ctx context.Context, tx pgx.Tx, requests []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	names := make([]string, len(requests))
	for i, r := range requests {
		names[i] = r.Stream
	}
	current, stored, err := lockAndRead(ctx, tx, names, requests)
	if err != nil {
		return nil, err
	}
	results := make([]eventstore.AppendResult, len(requests))
	var toWrite []int
	for i, r := range requests {
		rev, exists := current[r.Stream]
		done, result, err := checkRequest(r, rev, exists, stored)
		if err != nil {
			return nil, err
		}
		results[i] = result
		if !done && len(r.Events) > 0 {
			toWrite = append(toWrite, i)
		}
	}
	if len(toWrite) == 0 {
		return results, nil
	}
	return results, writeEvents(ctx, tx, requests, toWrite, current, results)
}

// lockAndRead takes the streams' locks, then reads their revisions and
// which of the events are already stored, in one round trip. Both reads
// look each stream and each event id up on its own, in a LATERAL subquery
// with a LIMIT that Postgres cannot turn into a join: one index lookup
// each, whatever the statistics say. As a plain join or `= ANY($1)`, a
// plan made while the table was small (a connection's cached plan, say)
// scans the whole table on every append.
func lockAndRead(ctx context.Context, tx pgx.Tx, names []string, requests []eventstore.AppendRequest) (map[string]uint64, map[uuid.UUID]storedEvent, error) {
	var ids [][16]byte // pgx encodes [16]byte as uuid directly
	for _, r := range requests {
		for _, e := range r.Events {
			ids = append(ids, e.ID)
		}
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1, k) FROM unnest($2::int[]) AS t(k)`, streamLockSpace, lockKeys(names))
	current := make(map[string]uint64, len(names))
	b.Queue(`SELECT s, e.revision FROM unnest($1::text[]) AS s
		CROSS JOIN LATERAL (SELECT revision FROM events WHERE stream_id = s ORDER BY revision DESC LIMIT 1) AS e`, names).Query(func(rows pgx.Rows) error {
		var name string
		var rev int64
		_, err := pgx.ForEachRow(rows, []any{&name, &rev}, func() error {
			current[name] = uint64(rev)
			return nil
		})
		return err
	})
	stored := map[uuid.UUID]storedEvent{}
	b.Queue(`SELECT e.event_id, e.stream_id, e.revision, e.position FROM unnest($1::uuid[]) AS i(id)
		CROSS JOIN LATERAL (SELECT event_id, stream_id, revision, position FROM events WHERE event_id = i.id LIMIT 1) AS e`, ids).Query(func(rows pgx.Rows) error {
		var id uuid.UUID
		var se storedEvent
		var rev int64
		_, err := pgx.ForEachRow(rows, []any{&id, &se.stream, &rev, &se.position}, func() error {
			se.revision = uint64(rev)
			stored[id] = se
			return nil
		})
		return err
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, nil, err
	}
	return current, stored, nil
}

// checkRequest decides one request: already done (idempotent retry or no
// events), to be written, or refused.
func checkRequest(r eventstore.AppendRequest, rev uint64, exists bool, stored map[uuid.UUID]storedEvent) (bool, eventstore.AppendResult, error) {
	conflict := &eventstore.ConflictError{Stream: r.Stream, Expected: r.Expected, Actual: rev, Exists: exists}
	found := 0
	for _, e := range r.Events {
		if _, ok := stored[e.ID]; ok {
			found++
		}
	}
	switch {
	case found == 0:
		if !r.Expected.Allows(rev, exists) {
			return false, eventstore.AppendResult{}, conflict
		}
		return len(r.Events) == 0, eventstore.AppendResult{NextExpected: rev}, nil
	case found == len(r.Events):
		if result, ok := retryResult(r, stored); ok {
			return true, result, nil
		}
	}
	if !r.Expected.Allows(rev, exists) {
		return false, eventstore.AppendResult{}, conflict
	}
	for _, e := range r.Events {
		if _, ok := stored[e.ID]; ok {
			return false, eventstore.AppendResult{}, &eventstore.IdempotencyError{Stream: r.Stream, EventID: e.ID}
		}
	}
	return false, eventstore.AppendResult{}, conflict
}

// retryResult recognises a retry: every event stored in this stream, in
// order, at consecutive revisions that the expectation allowed.
func retryResult(r eventstore.AppendRequest, stored map[uuid.UUID]storedEvent) (eventstore.AppendResult, bool) {
	first := stored[r.Events[0].ID]
	for i, e := range r.Events {
		s := stored[e.ID]
		if s.stream != r.Stream || s.revision != first.revision+uint64(i) {
			return eventstore.AppendResult{}, false
		}
	}
	if !r.Expected.Allows(first.revision-1, first.revision > 0) {
		return eventstore.AppendResult{}, false
	}
	last := stored[r.Events[len(r.Events)-1].ID]
	return eventstore.AppendResult{NextExpected: last.revision, Position: pos(last.position)}, true
}

// writeEvents allocates positions and stores the events of the requests
// in toWrite: one round trip for a small append, COPY for a large one.
func writeEvents(ctx context.Context, tx pgx.Tx, requests []eventstore.AppendRequest, toWrite []int,
	current map[string]uint64, results []eventstore.AppendResult) error {
	var rows eventRows
	streamRevs := make([]int64, 0, len(toWrite))
	lastOffsets := make([]int64, 0, len(toWrite))
	for _, i := range toWrite {
		r := requests[i]
		next := int64(0)
		if rev, exists := current[r.Stream]; exists {
			next = int64(rev) + 1
		}
		for _, e := range r.Events {
			if err := rows.add(int64(len(rows.position)), r.Stream, next, e); err != nil {
				return err
			}
			next++
		}
		streamRevs = append(streamRevs, next-1)
		lastOffsets = append(lastOffsets, int64(len(rows.position)-1))
	}
	first, err := rows.insert(ctx, tx)
	if err != nil {
		return err
	}
	for k, i := range toWrite {
		results[i] = eventstore.AppendResult{NextExpected: uint64(streamRevs[k]), Position: pos(first + lastOffsets[k])}
	}
	return nil
}

// eventRows holds the events of an append column by column.
type eventRows struct {
	position []int64
	stream   []string
	revision []int64
	id       [][16]byte // pgx encodes [16]byte as uuid directly
	typ      []string
	data     []string
	metadata []string
}

func (r *eventRows) add(position int64, stream string, revision int64, e eventstore.EventData) error {
	meta, err := json.Marshal(e.Metadata)
	if err != nil {
		return err
	}
	r.position = append(r.position, position)
	r.stream = append(r.stream, stream)
	r.revision = append(r.revision, revision)
	r.id = append(r.id, e.ID)
	r.typ = append(r.typ, e.Type)
	r.data = append(r.data, jsonText(e.Data))
	r.metadata = append(r.metadata, string(meta))
	return nil
}

// insert allocates the rows' positions (their position fields hold
// offsets from the first) and stores them. It returns the first position.
func (r *eventRows) insert(ctx context.Context, tx pgx.Tx) (int64, error) {
	var first int64
	if len(r.position) < copyThreshold {
		// Every row's position is computed from allocate_positions'
		// result, so no row is inserted before it returns: it is still the
		// transaction's first write.
		err := tx.QueryRow(ctx, `WITH first AS MATERIALIZED (SELECT allocate_positions($8) AS p)
			INSERT INTO events (position, stream_id, revision, event_id, event_type, data, metadata)
			SELECT first.p + t.o, t.s, t.r, t.i, t.y, t.d::json, t.m::json FROM first,
				unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::text[], $7::text[]) AS t(o, s, r, i, y, d, m)
			RETURNING (SELECT p FROM first)`,
			r.position, r.stream, r.revision, r.id, r.typ, r.data, r.metadata, len(r.position)).Scan(&first)
		return first, err
	}
	if err := tx.QueryRow(ctx, `SELECT allocate_positions($1)`, len(r.position)).Scan(&first); err != nil {
		return 0, err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"events"},
		[]string{"position", "stream_id", "revision", "event_id", "event_type", "data", "metadata"},
		pgx.CopyFromSlice(len(r.position), func(i int) ([]any, error) {
			return []any{first + r.position[i], r.stream[i], r.revision[i], r.id[i], r.typ[i], r.data[i], r.metadata[i]}, nil
		}))
	return first, err
}

// lockKeys hashes stream names into sorted, distinct advisory lock keys:
// taking them in one order everywhere rules out deadlocks between appends.
func lockKeys(names []string) []int32 {
	keys := make([]int32, 0, len(names))
	for _, n := range names {
		h := fnv.New32a()
		h.Write([]byte(n))
		keys = append(keys, int32(h.Sum32()))
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// jsonText returns event data as JSON text; no data is stored as {}.
func jsonText(data []byte) string {
	if len(data) == 0 {
		return "{}"
	}
	return string(data)
}

func pos(p int64) eventstore.Position {
	return eventstore.Position{Commit: uint64(p), Prepare: uint64(p)}
}

// storedEvent is where an event id of an append is already stored.
type storedEvent struct {
	stream   string
	revision uint64
	position int64
}
