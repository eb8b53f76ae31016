package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// aggregate is what every domain aggregate offers its handler.
type aggregate interface {
	Changes() []domain.Event
	Revision() (rev uint64, exists bool)
}

// maxConflictRetries bounds how often a handler reloads and decides again
// after a concurrent writer changed one of its streams.
const maxConflictRetries = 5

// retry runs attempt again while it fails on an optimistic-concurrency
// conflict: each attempt loads fresh state, so it decides on what is there.
func retry(ctx context.Context, attempt func() (Result, error)) (Result, error) {
	for i := 0; ; i++ {
		res, err := attempt()
		var conflict *eventstore.ConflictError
		if err == nil || !errors.As(err, &conflict) || i == maxConflictRetries || ctx.Err() != nil {
			return res, err
		}
	}
}

// decode turns a stream's stored events into domain events.
func decode(recorded []eventstore.RecordedEvent) ([]domain.Event, error) {
	events := make([]domain.Event, len(recorded))
	for i, r := range recorded {
		e, err := domain.DecodeEvent(r.Type, r.Data)
		if err != nil {
			return nil, fmt.Errorf("%s revision %d: %w", r.Stream, r.Revision, err)
		}
		events[i] = e
	}
	return events, nil
}

// loaded is an aggregate with the stored events it came from.
type loaded[A aggregate] struct {
	agg     A
	stream  string
	events  []eventstore.RecordedEvent
	history []domain.Event // events, decoded
	// stored says the stream holds the command's events already (see
	// asFound); at is then the position of the last of them.
	stored bool
	at     eventstore.Position
}

// load reads a stream and rebuilds its aggregate; a stream without events
// gives the aggregate of an empty history.
func load[A aggregate](ctx context.Context, store Store, stream string, build func([]domain.Event) (A, error)) (loaded[A], error) {
	recorded, err := store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
	if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
		return loaded[A]{}, err
	}
	return rebuild(stream, recorded, build)
}

// UnreadableStreamError says a stream's events cannot be made into its
// aggregate: one cannot be decoded, or the aggregate refuses one. No
// retry changes that until the stream is fixed; the campaign engine
// quarantines a campaign whose stream it is.
type UnreadableStreamError struct {
	Stream string
	Err    error
}

func (e UnreadableStreamError) Error() string { return fmt.Sprintf("loading %s: %v", e.Stream, e.Err) }

// Unwrap returns the decoding or applying error.
func (e UnreadableStreamError) Unwrap() error { return e.Err }

// rebuild makes the aggregate of already-read events.
func rebuild[A aggregate](stream string, recorded []eventstore.RecordedEvent, build func([]domain.Event) (A, error)) (loaded[A], error) {
	history, err := decode(recorded)
	if err != nil {
		return loaded[A]{}, UnreadableStreamError{Stream: stream, Err: err}
	}
	agg, err := build(history)
	if err != nil {
		return loaded[A]{}, UnreadableStreamError{Stream: stream, Err: err}
	}
	return loaded[A]{agg: agg, stream: stream, events: recorded, history: history}, nil
}

// handledBefore returns the position of the command's first event in this
// stream when the stream already holds it: the command was handled before.
func (l loaded[A]) handledBefore(meta Meta) (eventstore.Position, bool) {
	if l.stored {
		return l.at, true
	}
	if meta.CommandID == "" {
		return eventstore.Position{}, false
	}
	first := eventID(meta.CommandID, l.stream, 0)
	for i := len(l.events) - 1; i >= 0; i-- {
		if l.events[i].ID == first {
			return l.events[len(l.events)-1].Position, true
		}
	}
	return eventstore.Position{}, false
}

// request turns the aggregate's recorded events into an append expecting
// the revision it was loaded at. ok is false when nothing was recorded or
// the stream holds the command's events already.
func (l loaded[A]) request(meta Meta) (r eventstore.AppendRequest, ok bool) {
	if l.stored {
		return eventstore.AppendRequest{}, false
	}
	return appendRequest(l.stream, l.agg, meta)
}

func appendRequest(stream string, agg aggregate, meta Meta) (eventstore.AppendRequest, bool) {
	changes := agg.Changes()
	if len(changes) == 0 {
		return eventstore.AppendRequest{}, false
	}
	expected := eventstore.NoStream
	if rev, exists := agg.Revision(); exists {
		expected = eventstore.Exact(rev)
	}
	r := eventstore.AppendRequest{Stream: stream, Expected: expected, Events: make([]eventstore.EventData, len(changes))}
	md := eventstore.Metadata{AccountID: string(meta.Account), CorrelationID: meta.CorrelationID, CausationID: meta.CausationID}
	if md.CorrelationID == "" {
		md.CorrelationID = meta.CommandID
	}
	for i, e := range changes {
		name, data, err := domain.EncodeEvent(e)
		if err != nil {
			panic(err) // events are plain structs: failing to encode one is a bug
		}
		r.Events[i] = eventstore.EventData{ID: eventID(meta.CommandID, stream, i), Type: name, Data: data, Metadata: md}
	}
	return r, true
}

// commandNamespace scopes the event ids derived from command ids.
var commandNamespace = uuid.MustParse("6f1d7c8e-93b4-4c1e-9a57-2f0d6c3b8e41")

// eventID derives the id of a command's i-th event in a stream, so that a
// command handled twice appends the same ids and the store keeps them once.
func eventID(commandID, stream string, i int) uuid.UUID {
	if commandID == "" {
		return uuid.New()
	}
	return uuid.NewSHA1(commandNamespace, []byte(commandID+"\x00"+stream+"\x00"+strconv.Itoa(i)))
}

// save appends the requests (one transaction where the store allows) and
// returns the position of the last event.
func (h *Handlers) save(ctx context.Context, requests ...eventstore.AppendRequest) (Result, error) {
	if len(requests) == 0 {
		return Result{}, nil
	}
	results, err := h.store.AppendMulti(ctx, requests)
	if err != nil {
		return Result{}, err
	}
	var last eventstore.Position
	for _, r := range results {
		if last.Less(r.Position) {
			last = r.Position
		}
	}
	return Result{Position: last}, nil
}

// update is the common handler shape for one aggregate: load, check the
// command was not handled before, decide, append; reload and decide again
// on a concurrent change.
func update[A aggregate](ctx context.Context, h *Handlers, meta Meta, stream string,
	build func([]domain.Event) (A, error), decide func(A) error) (Result, error) {
	return retry(ctx, func() (Result, error) {
		l, err := load(ctx, h.store, stream, build)
		if err != nil {
			return Result{}, err
		}
		if pos, ok := l.handledBefore(meta); ok {
			return Result{Position: pos, Stream: l.history}, nil
		}
		if err := decide(l.agg); err != nil {
			return Result{}, err
		}
		r, ok := l.request(meta)
		if !ok {
			return Result{Stream: l.history}, nil
		}
		res, err := h.save(ctx, r)
		res.Stream = append(l.history, l.agg.Changes()...)
		return res, err
	})
}

// createOrUpdate is update for a command that usually creates its
// aggregate, such as a device registering for the first time. On a first
// delivery it decides on an empty history and appends expecting no
// stream, which saves reading the stream; when the stream exists after
// all, or the decision fails, it is update, deciding on what is there.
// (A repeated command must take update: deciding again would record a
// new time that the stored events, written the first time, do not have.)
func createOrUpdate[A aggregate](ctx context.Context, h *Handlers, meta Meta, stream string,
	build func([]domain.Event) (A, error), decide func(A) error) (Result, error) {
	if !meta.FirstDelivery || meta.CommandID == "" {
		return update(ctx, h, meta, stream, build, decide)
	}
	agg, err := build(nil)
	if err != nil {
		return Result{}, err
	}
	r, ok := eventstore.AppendRequest{}, false
	if decide(agg) == nil {
		r, ok = appendRequest(stream, agg, meta)
	}
	if !ok {
		return update(ctx, h, meta, stream, build, decide)
	}
	res, err := h.save(ctx, r)
	var conflict *eventstore.ConflictError
	if errors.As(err, &conflict) {
		return update(ctx, h, meta, stream, build, decide)
	}
	res.Stream = agg.Changes()
	return res, err
}

// exists reports whether the stream held events when it was loaded: a
// create refuses an id that is taken.
func (l loaded[A]) exists() bool { return len(l.events) > 0 }

// failed names the command whose handling failed, as in
// "commands.StopCampaign: campaign.RequestStop: …"; nil stays nil.
func failed(command string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("commands.%s: %w", command, err)
}
