package postgres

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// Codes of the expectations that append_events understands.
const (
	expectedAny          = -1
	expectedNoStream     = -2
	expectedStreamExists = -3
)

// appendOneStatement tries a small append as a single call of the
// append_events function: one round trip, committed on its own. That is
// the common case of a command: new events, expectations met. Anything
// else comes back unwritten with the streams' revisions and the stored
// event ids, and is decided here exactly as appendInTx decides it; ok is
// false when part of the append still has to be written (a retry of one
// request next to new events for another), which the caller then does in
// a transaction.
func appendOneStatement(ctx context.Context, q querier, requests []eventstore.AppendRequest) (results []eventstore.AppendResult, ok bool, err error) {
	call, err := newAppendCall(requests)
	if err != nil {
		return nil, false, err
	}
	current := make(map[string]uint64, len(requests))
	stored := map[uuid.UUID]storedEvent{}
	var first *int64
	rows, err := q.Query(ctx, `SELECT r_stream, r_revision, r_position, r_event FROM append_events($1, $2, $3, $4, $5, $6, $7, $8::json[], $9::json[], $10)`,
		streamLockSpace, lockKeys(call.streams), call.streams, call.expected,
		call.requests, call.ids, call.types, call.data, call.metadata, notifyChannel)
	if err != nil {
		return nil, false, err
	}
	var stream string
	var revision, position *int64
	var event *uuid.UUID
	_, err = pgx.ForEachRow(rows, []any{&stream, &revision, &position, &event}, func() error {
		switch {
		case event != nil:
			stored[*event] = storedEvent{stream: stream, revision: uint64(*revision), position: *position}
		case revision != nil:
			current[stream] = uint64(*revision)
		}
		if event == nil && position != nil {
			first = position
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if first != nil {
		return call.written(requests, current, *first), true, nil
	}
	results = make([]eventstore.AppendResult, len(requests))
	for i, r := range requests {
		rev, exists := current[r.Stream]
		done, result, err := checkRequest(r, rev, exists, stored)
		if err != nil {
			return nil, false, err
		}
		if !done && len(r.Events) > 0 {
			return nil, false, nil
		}
		results[i] = result
	}
	return results, true, nil
}

// appendCall holds the arguments of append_events.
type appendCall struct {
	streams  []string
	expected []int64
	requests []int32
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
		for _, e := range r.Events {
			meta, err := json.Marshal(e.Metadata)
			if err != nil {
				return nil, err
			}
			c.requests = append(c.requests, int32(i+1))
			c.ids = append(c.ids, e.ID)
			c.types = append(c.types, e.Type)
			c.data = append(c.data, jsonText(e.Data))
			c.metadata = append(c.metadata, string(meta))
		}
	}
	return c, nil
}

// written is the results of an append that append_events wrote: events
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

// expectedCode codes an expectation for append_events.
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
