package eventstoredb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// Append appends events to one stream if its revision matches expected.
// Appending the same event ids again at the same place is answered with
// where they already are (EventStoreDB's idempotent write).
func (s *EventStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	r := eventstore.AppendRequest{Stream: stream, Expected: expected, Events: events}
	if err := eventstore.ValidateAppend([]eventstore.AppendRequest{r}); err != nil {
		return eventstore.AppendResult{}, err
	}
	res, err := s.append(ctx, r)
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("eventstore.Append: %w", err)
	}
	return res, nil
}

// AppendMulti applies each request on its own, Config.Concurrency at a
// time: it is not atomic. The requests marked Last go after all the
// others are stored; when one of those failed they are not attempted and
// fail with ErrNotAttempted. When several requests are given and some
// fail, the results of those that succeeded are still set and the error
// is an *AppendMultiError naming the failed streams, whose errors
// (conflicts included) errors.As finds. Retrying the same requests is
// safe: streams already appended answer as idempotent retries.
func (s *EventStore) AppendMulti(ctx context.Context, requests []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(requests); err != nil {
		return nil, err
	}
	if len(requests) == 1 {
		res, err := s.append(ctx, requests[0])
		if err != nil {
			return nil, fmt.Errorf("eventstore.AppendMulti: %w", err)
		}
		return []eventstore.AppendResult{res}, nil
	}
	results := make([]eventstore.AppendResult, len(requests))
	errs := make([]error, len(requests))
	s.appendEach(ctx, requests, results, errs, false)
	if slices.ContainsFunc(errs, func(err error) bool { return err != nil }) {
		for i, r := range requests {
			if r.Last {
				errs[i] = ErrNotAttempted
			}
		}
	} else {
		s.appendEach(ctx, requests, results, errs, true)
	}
	if err := newAppendMultiError(requests, errs); err != nil {
		return results, err
	}
	return results, nil
}

// ErrNotAttempted is the error of a request marked Last whose AppendMulti
// failed on another stream: it was not appended, so that its stream does
// not show a command whose other streams are incomplete.
var ErrNotAttempted = errors.New("not attempted: another stream of the append failed")

// appendEach appends the requests whose Last is last, Config.Concurrency
// at a time, setting each one's result or error.
func (s *EventStore) appendEach(ctx context.Context, requests []eventstore.AppendRequest, results []eventstore.AppendResult, errs []error, last bool) {
	limit := make(chan struct{}, s.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, r := range requests {
		if r.Last != last {
			continue
		}
		limit <- struct{}{}
		wg.Go(func() {
			defer func() { <-limit }()
			results[i], errs[i] = s.append(ctx, r)
		})
	}
	wg.Wait()
}

// AppendMultiError reports the streams of an AppendMulti that failed;
// the events of the other streams were stored.
type AppendMultiError struct {
	// Failed lists each failed stream with its error, in request order.
	Failed []StreamError
	// Requests is the number of streams in the AppendMulti.
	Requests int
}

// StreamError is one stream's failure in an AppendMulti.
type StreamError struct {
	Stream string
	Err    error
}

func newAppendMultiError(requests []eventstore.AppendRequest, errs []error) error {
	e := &AppendMultiError{Requests: len(requests)}
	for i, err := range errs {
		if err != nil {
			e.Failed = append(e.Failed, StreamError{Stream: requests[i].Stream, Err: err})
		}
	}
	if len(e.Failed) == 0 {
		return nil
	}
	return e
}

func (e *AppendMultiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "eventstore.AppendMulti: %d of %d streams failed (not atomic: the other %d were appended)",
		len(e.Failed), e.Requests, e.Requests-len(e.Failed))
	for i, f := range e.Failed {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(e.Failed)-i)
			break
		}
		fmt.Fprintf(&b, "; %s: %v", f.Stream, f.Err)
	}
	return b.String()
}

// Unwrap returns every stream's error, so that errors.As finds a
// *eventstore.ConflictError among them.
func (e *AppendMultiError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		errs[i] = f.Err
	}
	return errs
}

// append performs one stream's append.
func (s *EventStore) append(ctx context.Context, r eventstore.AppendRequest) (eventstore.AppendResult, error) {
	if len(r.Events) == 0 {
		return s.checkExpectation(ctx, r)
	}
	events := make([]esdb.EventData, len(r.Events))
	for i, e := range r.Events {
		meta, err := json.Marshal(e.Metadata)
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		events[i] = esdb.EventData{EventID: e.ID, EventType: e.Type, ContentType: esdb.ContentTypeJson, Data: jsonData(e.Data), Metadata: meta}
	}
	c := s.conn()
	res, err := c.AppendToStream(ctx, r.Stream, esdb.AppendToStreamOptions{ExpectedRevision: expectedRevision(r.Expected)}, events...)
	if err != nil {
		s.revive(c, err)
		return eventstore.AppendResult{}, s.appendError(ctx, r, err)
	}
	return eventstore.AppendResult{
		NextExpected: res.NextExpectedVersion,
		Position:     eventstore.Position{Commit: res.CommitPosition, Prepare: res.PreparePosition},
	}, nil
}

// checkExpectation answers an append without events as the Postgres store
// does: where the stream is, if the expectation holds. (EventStoreDB
// answers an empty append with "no stream" and revision 0 alike.)
func (s *EventStore) checkExpectation(ctx context.Context, r eventstore.AppendRequest) (eventstore.AppendResult, error) {
	rev, exists, err := s.current(ctx, r.Stream)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	if !r.Expected.Allows(rev, exists) {
		return eventstore.AppendResult{}, &eventstore.ConflictError{Stream: r.Stream, Expected: r.Expected, Actual: rev, Exists: exists}
	}
	return eventstore.AppendResult{NextExpected: rev}, nil
}

// current returns the revision of a stream's last event.
func (s *EventStore) current(ctx context.Context, stream string) (uint64, bool, error) {
	last, err := s.ReadStream(ctx, stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) && !errors.Is(err, ErrStreamDeleted) {
		return 0, false, nil
	}
	if err != nil || len(last) == 0 {
		return 0, false, err
	}
	return last[0].Revision, true, nil
}

// wrongVersion finds the current revision in the client's message
// ("wrong expected version: expecting 'E' but got 'C'"): the client keeps
// the server's answer only as text.
var wrongVersion = regexp.MustCompile(`but got '([^']*)'`)

// appendError turns a refused append into the port's errors.
func (s *EventStore) appendError(ctx context.Context, r eventstore.AppendRequest, err error) error {
	if c, ok := code(err); !ok || c != esdb.ErrorCodeWrongExpectedVersion {
		return s.wrap(ctx, err)
	}
	conflict := &eventstore.ConflictError{Stream: r.Stream, Expected: r.Expected}
	m := wrongVersion.FindStringSubmatch(err.Error())
	switch {
	case m != nil && m[1] == "no_stream":
	case m != nil:
		rev, perr := strconv.ParseUint(m[1], 10, 64)
		if perr != nil {
			return fmt.Errorf("%w (current revision %q unreadable)", conflict, m[1])
		}
		conflict.Actual, conflict.Exists = rev, true
	default:
		// An answer in another form: ask the stream.
		rev, exists, cerr := s.current(ctx, r.Stream)
		if cerr != nil {
			return fmt.Errorf("%w (current revision unknown: %v)", conflict, cerr)
		}
		conflict.Actual, conflict.Exists = rev, exists
	}
	return conflict
}

func expectedRevision(e eventstore.ExpectedRevision) esdb.ExpectedRevision {
	switch {
	case e.IsAny():
		return esdb.Any{}
	case e.IsNoStream():
		return esdb.NoStream{}
	case e.IsStreamExists():
		return esdb.StreamExists{}
	}
	rev, _ := e.ExactRevision()
	return esdb.Revision(rev)
}

// jsonData returns event data as JSON; no data is stored as {}, as on
// Postgres.
func jsonData(data []byte) []byte {
	if len(data) == 0 {
		return []byte("{}")
	}
	return data
}
