// Package eventstore declares the event store port: the types and the
// semantics every event store implementation (Postgres, EventStoreDB) keeps.
// The contract suite in eventstore/contract checks them on each.
package eventstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Store is the whole port. Consumers declare the parts they use.
type Store interface {
	// Append appends events to one stream if its revision matches expected.
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...EventData) (AppendResult, error)
	// AppendMulti appends to several streams. On Postgres it is one
	// transaction (all or nothing); stores without multi-stream
	// transactions apply each request on its own and report each result,
	// the requests marked Last only once all the others are stored.
	AppendMulti(ctx context.Context, requests []AppendRequest) ([]AppendResult, error)
	// ReadStream reads up to max events of one stream (max <= 0: all).
	ReadStream(ctx context.Context, stream string, opts ReadStreamOptions) ([]RecordedEvent, error)
	// ReadStreams reads several whole streams at once; a stream without
	// events is absent from the map. It is how a batch of aggregates loads.
	ReadStreams(ctx context.Context, streams []string) (map[string][]RecordedEvent, error)
	// ReadAll reads up to max events of the global order after a position.
	ReadAll(ctx context.Context, after Position, max int) ([]RecordedEvent, error)
	// SubscribeAll follows the global order after a position: first the
	// events already stored, then new ones as they commit.
	SubscribeAll(ctx context.Context, after Position) (Subscription, error)
}

// Interest tells which appended events a subscriber acts on, by stream and
// event type. A store whose subscriptions are woken by appends (Postgres)
// may let a subscription with an interest sleep through appends holding
// none of them: it still delivers every event, in order, but those are
// read at its next wake-up or poll rather than at once, and come without
// their data and metadata. Under a stream of commands the subscriber does
// not act on, it then reads a few times a second instead of after every
// append, and decodes only what it acts on.
type Interest func(stream, eventType string) bool

// Subscription is a catch-up subscription to the global order.
type Subscription interface {
	// Next blocks until at least one event after the last one delivered is
	// available, then returns up to max of them in global order. It returns
	// ctx.Err() when ctx ends.
	Next(ctx context.Context, max int) ([]RecordedEvent, error)
	// Close releases the subscription's resources.
	Close() error
}

// Position is a place in the global order. Positions compare by Commit,
// then Prepare, as EventStoreDB's do; the Postgres store sets both to its
// global sequence number. The zero Position is before every event.
type Position struct {
	Commit  uint64
	Prepare uint64
}

// Start is the position before the first event.
var Start = Position{}

// Less reports whether p comes before q in the global order.
func (p Position) Less(q Position) bool {
	if p.Commit != q.Commit {
		return p.Commit < q.Commit
	}
	return p.Prepare < q.Prepare
}

func (p Position) String() string {
	if p.Commit == p.Prepare {
		return fmt.Sprintf("%d", p.Commit)
	}
	return fmt.Sprintf("%d/%d", p.Commit, p.Prepare)
}

// Metadata travels with every event: the account it belongs to, the id of
// the command (or message) that caused it and of the event or message that
// caused that command.
type Metadata struct {
	AccountID     string `json:"account_id,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
}

// EventData is an event to append. ID must be unique: appending the same
// ids again at the same place is an idempotent no-op, so retries should
// reuse ids (derive them deterministically from the command).
type EventData struct {
	ID       uuid.UUID
	Type     string
	Data     []byte
	Metadata Metadata
}

// RecordedEvent is a stored event.
type RecordedEvent struct {
	ID       uuid.UUID
	Stream   string
	Revision uint64 // 0 for the stream's first event.
	Position Position
	Type     string
	Data     []byte
	Metadata Metadata
	Created  time.Time
}

// AppendRequest is one stream's part of a multi-stream append.
type AppendRequest struct {
	Stream   string
	Expected ExpectedRevision
	Events   []EventData
	// Last marks the stream whose events follow from the others' (a
	// campaign's page summary from its devices' enrolments, a campaign's
	// quota from the account's reservation). A store without multi-stream
	// transactions appends it only after every other request is stored,
	// and not at all when one failed: a stream marked Last that shows the
	// command's events never claims what the others lack. Atomic stores
	// need not order anything.
	Last bool
}

// AppendResult tells where an append left the stream.
type AppendResult struct {
	// NextExpected is the stream's revision after the append: the value to
	// expect in the next append.
	NextExpected uint64
	// Position is the global position of the append's last event.
	Position Position
}

// Direction is the direction of a stream read.
type Direction int

// Read directions.
const (
	Forwards Direction = iota
	Backwards
)

// ReadStreamOptions select events of one stream.
type ReadStreamOptions struct {
	Direction Direction
	// From is the first revision to read. Reading backwards, FromEnd starts
	// at the stream's last event instead.
	From    uint64
	FromEnd bool
	// Max caps the number of events returned; zero or less means all.
	Max int
}

// expectKind is the kind of expectation an append checks.
type expectKind int

const (
	expectAny expectKind = iota
	expectNoStream
	expectStreamExists
	expectExact
)

// ExpectedRevision is the optimistic-concurrency check of an append, as
// EventStoreDB defines it.
type ExpectedRevision struct {
	kind     expectKind
	revision uint64
}

// The expectations without a revision.
var (
	// Any appends whatever the stream's state.
	Any = ExpectedRevision{kind: expectAny}
	// NoStream appends only if the stream has no events.
	NoStream = ExpectedRevision{kind: expectNoStream}
	// StreamExists appends only if the stream has at least one event.
	StreamExists = ExpectedRevision{kind: expectStreamExists}
)

// Exact appends only if the stream's last event has this revision.
func Exact(revision uint64) ExpectedRevision {
	return ExpectedRevision{kind: expectExact, revision: revision}
}

// IsAny, IsNoStream and IsStreamExists tell the expectation's kind.
func (e ExpectedRevision) IsAny() bool          { return e.kind == expectAny }
func (e ExpectedRevision) IsNoStream() bool     { return e.kind == expectNoStream }
func (e ExpectedRevision) IsStreamExists() bool { return e.kind == expectStreamExists }

// ExactRevision returns the revision of an Exact expectation.
func (e ExpectedRevision) ExactRevision() (uint64, bool) {
	return e.revision, e.kind == expectExact
}

// Allows reports whether a stream whose last revision is current (exists is
// false for a stream without events) meets the expectation.
func (e ExpectedRevision) Allows(current uint64, exists bool) bool {
	switch e.kind {
	case expectAny:
		return true
	case expectNoStream:
		return !exists
	case expectStreamExists:
		return exists
	case expectExact:
		return exists && current == e.revision
	}
	return false
}

func (e ExpectedRevision) String() string {
	switch e.kind {
	case expectAny:
		return "any"
	case expectNoStream:
		return "no stream"
	case expectStreamExists:
		return "stream exists"
	case expectExact:
		return fmt.Sprintf("revision %d", e.revision)
	}
	return "unknown"
}

// ErrStreamNotFound is returned when reading a stream without events.
var ErrStreamNotFound = errors.New("stream not found")

// ConflictError is returned when an append's expected revision does not
// match the stream. Callers reload and decide again.
type ConflictError struct {
	Stream   string
	Expected ExpectedRevision
	// Actual is the stream's last revision; Exists is false when the
	// stream has no events.
	Actual uint64
	Exists bool
}

func (e *ConflictError) Error() string {
	actual := "no stream"
	if e.Exists {
		actual = fmt.Sprintf("revision %d", e.Actual)
	}
	return fmt.Sprintf("append to %s: expected %s, stream is at %s", e.Stream, e.Expected, actual)
}

// IdempotencyError is returned when some but not all of an append's event
// ids are already stored, or stored elsewhere: the append is neither new
// nor a retry.
type IdempotencyError struct {
	Stream  string
	EventID uuid.UUID
}

func (e *IdempotencyError) Error() string {
	return fmt.Sprintf("append to %s: event %s is already stored elsewhere or the retry differs", e.Stream, e.EventID)
}
