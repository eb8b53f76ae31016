package eventstoredb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/eventstoredb"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// These tests cover what the contract leaves to each store: how the
// adapter stores events on EventStoreDB, its non-atomic AppendMulti, the
// production subscription filter, renewal of dropped subscriptions and
// EventStoreDB's system events.

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func testEvents(n int, label string) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{ID: uuid.New(), Type: "DeviceUpdated", Data: fmt.Appendf(nil, `{"label":%q,"n":%d}`, label, i),
			Metadata: eventstore.Metadata{AccountID: "acc1", CorrelationID: "corr-" + label, CausationID: "cause-" + label}}
	}
	return out
}

func rawClient(t *testing.T, url string) *esdb.Client {
	t.Helper()
	conf, err := esdb.ParseConnectionString(url)
	if err != nil {
		t.Fatal(err)
	}
	conf.Logger = esdb.NoopLogging()
	c, err := esdb.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestEventsAreStoredAsJSONWithTheirMetadata(t *testing.T) {
	srv := startServer(t)
	s := newStore(t, srv.URL())
	sent := testEvents(1, "a")
	if _, err := s.Append(ctxFor(t), "device-acc1-d1", eventstore.NoStream, sent...); err != nil {
		t.Fatal(err)
	}
	rs, err := rawClient(t, srv.URL()).ReadStream(ctxFor(t), "device-acc1-d1", esdb.ReadStreamOptions{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	ev, err := rs.Recv()
	if err != nil {
		t.Fatal(err)
	}
	e := ev.Event
	var meta map[string]string
	if err := json.Unmarshal(e.UserMetadata, &meta); err != nil {
		t.Fatalf("user metadata %q is not JSON: %v", e.UserMetadata, err)
	}
	want := map[string]string{"account_id": "acc1", "correlation_id": "corr-a", "causation_id": "cause-a"}
	if diff := cmp.Diff(want, meta); diff != "" {
		t.Errorf("user metadata (-want +got):\n%s", diff)
	}
	if e.EventType != "DeviceUpdated" || e.ContentType != "application/json" || e.EventID != sent[0].ID || string(e.Data) != string(sent[0].Data) {
		t.Errorf("stored %s %s %s %s, want the event's type, JSON, its id and data", e.EventType, e.ContentType, e.EventID, e.Data)
	}
}

func TestAppendMultiIsNotAtomic(t *testing.T) {
	s := newStore(t, startServer(t).URL())
	b, c := "device-acc1-b", "device-acc1-c"
	if _, err := s.Append(ctxFor(t), b, eventstore.NoStream, testEvents(2, "b")...); err != nil {
		t.Fatal(err)
	}
	results, err := s.AppendMulti(ctxFor(t), []eventstore.AppendRequest{
		{Stream: c, Expected: eventstore.NoStream, Events: testEvents(1, "c")},
		{Stream: b, Expected: eventstore.Exact(0), Events: testEvents(1, "stale")},
	})
	var multi *eventstoredb.AppendMultiError
	var conflict *eventstore.ConflictError
	if !errors.As(err, &multi) || !errors.As(err, &conflict) || conflict.Stream != b || conflict.Actual != 1 {
		t.Fatalf("error %v, want an AppendMultiError holding a ConflictError on %s at revision 1", err, b)
	}
	if len(multi.Failed) != 1 || multi.Failed[0].Stream != b {
		t.Errorf("failed streams %+v, want only %s", multi.Failed, b)
	}
	if got, _ := s.ReadStream(ctxFor(t), c, eventstore.ReadStreamOptions{}); len(got) != 1 || results[0].Position != got[0].Position {
		t.Errorf("%s holds %d events (result %+v), want its append applied on its own", c, len(got), results[0])
	}
}

// TestAppendMultiAppendsLastAfterTheOthers: the stream marked Last is
// appended after the others are stored, and not at all when one of them
// failed; the retry of the same requests then completes the append.
func TestAppendMultiAppendsLastAfterTheOthers(t *testing.T) {
	srv := startServer(t)
	s := newStore(t, srv.URL())
	campaign, d1, d2 := "campaign-c1", "device-acc1-d1", "device-acc1-d2"
	requests := []eventstore.AppendRequest{
		{Stream: campaign, Expected: eventstore.NoStream, Events: testEvents(1, "summary"), Last: true},
		{Stream: d1, Expected: eventstore.NoStream, Events: testEvents(1, "d1")},
		{Stream: d2, Expected: eventstore.NoStream, Events: testEvents(1, "d2")},
	}
	srv.FailAppends(func(stream string) bool { return stream == d2 })
	_, err := s.AppendMulti(ctxFor(t), requests)
	var multi *eventstoredb.AppendMultiError
	if !errors.As(err, &multi) || !errors.Is(err, eventstoredb.ErrNotAttempted) || len(multi.Failed) != 2 {
		t.Fatalf("error %v, want an AppendMultiError for %s (failed) and %s (not attempted)", err, d2, campaign)
	}
	for stream, want := range map[string]int{campaign: 0, d1: 1, d2: 0} {
		if got, _ := s.ReadStream(ctxFor(t), stream, eventstore.ReadStreamOptions{}); len(got) != want {
			t.Errorf("%s holds %d events after the failure, want %d", stream, len(got), want)
		}
	}
	srv.FailAppends(nil)
	results, err := s.AppendMulti(ctxFor(t), requests)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if !results[1].Position.Less(results[0].Position) || !results[2].Position.Less(results[0].Position) {
		t.Errorf("positions %+v: the stream marked last was not appended after the others", results)
	}
}

func TestAppendMultiRunsManyStreams(t *testing.T) {
	s := newStore(t, startServer(t).URL())
	requests := make([]eventstore.AppendRequest, 100)
	for i := range requests {
		requests[i] = eventstore.AppendRequest{Stream: fmt.Sprintf("device-acc1-%d", i), Expected: eventstore.NoStream, Events: testEvents(1, "x")}
	}
	first, err := s.AppendMulti(ctxFor(t), requests)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.AppendMulti(ctxFor(t), requests)
	if err != nil {
		t.Fatalf("retry of a whole fan-out: %v", err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("retry results differ (-first +again):\n%s", diff)
	}
}

func eventIDs(evs []eventstore.EventData) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// TestReadAllSkipsSystemEvents puts more EventStoreDB events (stream
// metadata) between two of ours than ReadAll asks for at once.
func TestReadAllSkipsSystemEvents(t *testing.T) {
	srv := startServer(t)
	s := newStore(t, srv.URL())
	raw := rawClient(t, srv.URL())
	first, second := testEvents(1, "first"), testEvents(1, "second")
	if _, err := s.Append(ctxFor(t), "campaign-x", eventstore.NoStream, first...); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		m := esdb.StreamMetadata{}
		m.SetMaxCount(uint64(i + 1))
		if _, err := raw.SetStreamMetadata(ctxFor(t), "campaign-x", esdb.AppendToStreamOptions{}, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Append(ctxFor(t), "campaign-x", eventstore.Exact(0), second...); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadAll(ctxFor(t), eventstore.Start, 10)
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []uuid.UUID
	for _, e := range got {
		gotIDs = append(gotIDs, e.ID)
	}
	if diff := cmp.Diff([]uuid.UUID{first[0].ID, second[0].ID}, gotIDs); diff != "" {
		t.Errorf("ReadAll (-want +got):\n%s", diff)
	}
	rest, err := s.ReadAll(ctxFor(t), got[0].Position, 1)
	if err != nil || len(rest) != 1 || rest[0].ID != second[0].ID {
		t.Errorf("ReadAll after the first event, max 1: %v, %v, want the second event past 30 system events", rest, err)
	}
}

func TestTombstonedStreams(t *testing.T) {
	srv := startServer(t)
	s := newStore(t, srv.URL())
	if _, err := s.Append(ctxFor(t), "campaign-t", eventstore.NoStream, testEvents(1, "t")...); err != nil {
		t.Fatal(err)
	}
	if _, err := rawClient(t, srv.URL()).TombstoneStream(ctxFor(t), "campaign-t", esdb.TombstoneStreamOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := s.ReadStream(ctxFor(t), "campaign-t", eventstore.ReadStreamOptions{})
	if !errors.Is(err, eventstore.ErrStreamNotFound) || !errors.Is(err, eventstoredb.ErrStreamDeleted) {
		t.Errorf("read of a tombstoned stream: %v, want ErrStreamNotFound and ErrStreamDeleted", err)
	}
	_, err = s.Append(ctxFor(t), "campaign-t", eventstore.Any, testEvents(1, "again")...)
	if !errors.Is(err, eventstoredb.ErrStreamDeleted) {
		t.Errorf("append to a tombstoned stream: %v, want ErrStreamDeleted", err)
	}
}

func TestAppendWithoutEventsChecksTheExpectation(t *testing.T) {
	s := newStore(t, startServer(t).URL())
	if _, err := s.Append(ctxFor(t), "campaign-e", eventstore.NoStream, testEvents(2, "e")...); err != nil {
		t.Fatal(err)
	}
	res, err := s.Append(ctxFor(t), "campaign-e", eventstore.Exact(1))
	if err != nil || res.NextExpected != 1 {
		t.Errorf("empty append at the right revision: %+v, %v", res, err)
	}
	var conflict *eventstore.ConflictError
	if _, err := s.Append(ctxFor(t), "campaign-e", eventstore.NoStream); !errors.As(err, &conflict) || conflict.Actual != 1 {
		t.Errorf("empty append expecting no stream: %v, want a conflict at revision 1", err)
	}
}

func TestCancelledContexts(t *testing.T) {
	s := newStore(t, startServer(t).URL())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Append(ctx, "campaign-k", eventstore.Any, testEvents(1, "k")...); !errors.Is(err, context.Canceled) {
		t.Errorf("append: %v, want context.Canceled", err)
	}
	if _, err := s.ReadAll(ctx, eventstore.Start, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("read all: %v, want context.Canceled", err)
	}
}

func TestPing(t *testing.T) {
	srv := startServer(t)
	s := newStore(t, srv.URL()+"&maxDiscoverAttempts=1")
	if err := s.Ping(ctxFor(t)); err != nil {
		t.Errorf("ping: %v", err)
	}
	srv.Close()
	gone := newStore(t, srv.URL()+"&maxDiscoverAttempts=1")
	if err := gone.Ping(ctxFor(t)); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("ping of a stopped server: %v, want an error", err)
	}
}
