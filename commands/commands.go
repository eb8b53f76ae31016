// Package commands holds the service's command handlers, one per file. A
// handler loads the aggregates it needs from the event store, calls one
// domain behaviour and appends the recorded events with the expected
// revision. Every way into the service (HTTP, queues, the campaign engine)
// ends in these handlers.
package commands

import (
	"context"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// Store is the part of the event store the handlers use.
type Store interface {
	ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error)
	ReadStreams(ctx context.Context, streams []string) (map[string][]eventstore.RecordedEvent, error)
	Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error)
	AppendMulti(ctx context.Context, requests []eventstore.AppendRequest) ([]eventstore.AppendResult, error)
}

// Meta says who sent a command and why. It travels into every event the
// command records.
type Meta struct {
	// Account is the account the command acts in; objects of other
	// accounts answer not found.
	Account domain.AccountID
	// CommandID identifies the command. The ids of the events it records
	// derive from it, so the same command handled twice (a redelivered
	// message, a retried request) records its events once. Empty: a new
	// random id.
	CommandID string
	// CorrelationID ties together everything one request caused; empty:
	// the command id.
	CorrelationID string
	// CausationID is the id of the message or event that caused the command.
	CausationID string
	// FirstDelivery says the command id is new (a request id, not an
	// idempotency key or a queue message that may come again): the
	// command cannot have been handled before, so a command that usually
	// creates its aggregate may append without reading the stream first.
	FirstDelivery bool
}

// Result tells where a command's events went.
type Result struct {
	// Position is the global position of the command's last event; wait
	// for the read models to reach it to read your own writes. Zero when
	// the command changed nothing.
	Position eventstore.Position
	// Stream is, for a command on one aggregate, every event of its stream
	// after the command, in order: what a caller answers from without
	// waiting for the read models. Nil for other commands.
	Stream []domain.Event
}

// Handlers handles the commands.
type Handlers struct {
	store Store
	now   func() time.Time
}

// New returns the command handlers on store; now is the clock (time.Now
// outside tests). Events carry its time to the microsecond, as Postgres
// keeps timestamps: a read model then shows exactly the time an answer
// computed from the events showed.
func New(store Store, now func() time.Time) *Handlers {
	return &Handlers{store: store, now: func() time.Time { return now().Round(0).Truncate(time.Microsecond) }}
}
