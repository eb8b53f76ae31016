package esdbtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/eventstoredb/esdbtest"
)

// These tests talk to the server through the official client, as the
// adapter does, and check the EventStoreDB semantics the contract suite
// does not reach: deletes, tombstones, filters, checkpoints, stream
// subscriptions, gossip discovery and the client-facing details.

func start(t *testing.T) (*esdbtest.Server, *esdb.Client) {
	t.Helper()
	srv, err := esdbtest.Start("127.0.0.1:0", esdbtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv, connect(t, srv.URL())
}

func connect(t *testing.T, url string) *esdb.Client {
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

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func events(n int, eventType string) []esdb.EventData {
	out := make([]esdb.EventData, n)
	for i := range out {
		out[i] = esdb.EventData{EventID: uuid.New(), EventType: eventType, ContentType: esdb.ContentTypeJson,
			Data: fmt.Appendf(nil, `{"n":%d}`, i), Metadata: []byte(`{"account_id":"acc1"}`)}
	}
	return out
}

func appendTo(t *testing.T, c *esdb.Client, stream string, expected esdb.ExpectedRevision, evs ...esdb.EventData) *esdb.WriteResult {
	t.Helper()
	res, err := c.AppendToStream(ctxFor(t), stream, esdb.AppendToStreamOptions{ExpectedRevision: expected}, evs...)
	if err != nil {
		t.Fatalf("append to %s: %v", stream, err)
	}
	return res
}

// read reads a stream (or $all when stream is "") to the end, returning
// the events and the error that ended the read, if not EOF.
func read(t *testing.T, c *esdb.Client, stream string, backwards bool) ([]*esdb.RecordedEvent, error) {
	t.Helper()
	dir := esdb.Forwards
	if backwards {
		dir = esdb.Backwards
	}
	var rs *esdb.ReadStream
	var err error
	if stream == "" {
		from := esdb.AllPosition(esdb.Start{})
		if backwards {
			from = esdb.End{}
		}
		rs, err = c.ReadAll(ctxFor(t), esdb.ReadAllOptions{Direction: dir, From: from}, math.MaxUint64)
	} else {
		from := esdb.StreamPosition(esdb.Start{})
		if backwards {
			from = esdb.End{}
		}
		rs, err = c.ReadStream(ctxFor(t), stream, esdb.ReadStreamOptions{Direction: dir, From: from}, math.MaxUint64)
	}
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []*esdb.RecordedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev.Event)
	}
}

func errorCode(err error) esdb.ErrorCode {
	var e *esdb.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return -1
}

func revisions(evs []*esdb.RecordedEvent) []uint64 {
	out := []uint64{}
	for _, e := range evs {
		out = append(out, e.EventNumber)
	}
	return out
}

func TestRecordedEventsCarryWhatTheClientNeeds(t *testing.T) {
	_, c := start(t)
	before := time.Now()
	sent := events(2, "Tested")
	res := appendTo(t, c, "meta-1", esdb.NoStream{}, sent...)
	got, err := read(t, c, "meta-1", false)
	if err != nil || len(got) != 2 {
		t.Fatalf("read: %d events, %v", len(got), err)
	}
	for i, e := range got {
		if e.EventID != sent[i].EventID || e.EventType != "Tested" || e.ContentType != "application/json" ||
			string(e.Data) != string(sent[i].Data) || string(e.UserMetadata) != string(sent[i].Metadata) {
			t.Errorf("event %d = %+v, want what was sent: %+v", i, e, sent[i])
		}
		if e.CreatedDate.Before(before.Add(-time.Second)) || e.CreatedDate.After(time.Now().Add(time.Second)) {
			t.Errorf("event %d created %s, want about now (%s)", i, e.CreatedDate, before)
		}
		if e.Position.Commit != e.Position.Prepare || e.Position.Commit == 0 {
			t.Errorf("event %d position %+v, want commit == prepare > 0", i, e.Position)
		}
	}
	if res.NextExpectedVersion != 1 || res.CommitPosition != got[1].Position.Commit {
		t.Errorf("write result %+v, want next expected 1 at the last event's position %d", res, got[1].Position.Commit)
	}
}

func TestWrongExpectedVersionNamesTheCurrentRevision(t *testing.T) {
	_, c := start(t)
	appendTo(t, c, "wev-1", esdb.NoStream{}, events(3, "Tested")...)
	cases := []struct {
		name     string
		stream   string
		expected esdb.ExpectedRevision
		want     string
	}{
		{"stale exact revision", "wev-1", esdb.Revision(0), "expecting '0' but got '2'"},
		{"no stream on an existing stream", "wev-1", esdb.NoStream{}, "but got '2'"},
		{"stream exists on a new stream", "wev-2", esdb.StreamExists{}, "expecting 'stream_exists' but got 'no_stream'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.AppendToStream(ctxFor(t), tc.stream, esdb.AppendToStreamOptions{ExpectedRevision: tc.expected}, events(1, "Tested")...)
			if errorCode(err) != esdb.ErrorCodeWrongExpectedVersion || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want wrong expected version with %q", err, tc.want)
			}
		})
	}
}

func TestIdempotentRetries(t *testing.T) {
	_, c := start(t)
	evs := events(3, "Tested")
	first := appendTo(t, c, "idem-1", esdb.Any{}, evs...)
	again := appendTo(t, c, "idem-1", esdb.Any{}, evs...)
	if *again != *first {
		t.Errorf("retry answered %+v, want the first answer %+v", again, first)
	}
	// A retry that adds an event is neither new nor a retry: EventStoreDB
	// calls it corrupted idempotency and answers wrong expected version.
	_, err := c.AppendToStream(ctxFor(t), "idem-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Any{}},
		append(evs[:2:2], events(1, "Tested")...)...)
	if errorCode(err) != esdb.ErrorCodeWrongExpectedVersion {
		t.Errorf("partial retry: error %v, want wrong expected version", err)
	}
	// With an exact revision the ids must follow it in order.
	_, err = c.AppendToStream(ctxFor(t), "idem-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(0)}, evs[1:]...)
	if err != nil {
		t.Errorf("retry of events 1-2 expecting revision 0: %v", err)
	}
	_, err = c.AppendToStream(ctxFor(t), "idem-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(0)}, evs[2], evs[1])
	if errorCode(err) != esdb.ErrorCodeWrongExpectedVersion {
		t.Errorf("retry out of order: error %v, want wrong expected version", err)
	}
	if got, _ := read(t, c, "idem-1", false); len(got) != 3 {
		t.Errorf("stream holds %d events after retries, want 3", len(got))
	}
}

func TestReadingAll(t *testing.T) {
	_, c := start(t)
	appendTo(t, c, "ra-1", esdb.NoStream{}, events(3, "Tested")...)
	appendTo(t, c, "ra-2", esdb.NoStream{}, events(2, "Tested")...)
	forwards, _ := read(t, c, "", false)
	backwards, _ := read(t, c, "", true)
	if len(forwards) != 5 || len(backwards) != 5 || forwards[0].EventID != backwards[4].EventID {
		t.Fatalf("read %d forwards and %d backwards, want 5 each in opposite orders", len(forwards), len(backwards))
	}
	// Forwards from a position includes the event there.
	rs, err := c.ReadAll(ctxFor(t), esdb.ReadAllOptions{From: forwards[2].Position}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	first, err := rs.Recv()
	if err != nil || first.Event.EventID != forwards[2].EventID {
		t.Errorf("read from event 2's position began with %+v (%v), want event 2", first, err)
	}
	if _, err := read(t, c, "nothing-here", false); errorCode(err) != esdb.ErrorCodeResourceNotFound {
		t.Errorf("read of a missing stream: %v, want not found", err)
	}
}

func TestMaximumAppendSize(t *testing.T) {
	srv, err := esdbtest.Start("127.0.0.1:0", esdbtest.Options{MaxAppendSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c := connect(t, srv.URL())
	big := esdb.EventData{EventType: "Big", ContentType: esdb.ContentTypeJson, Data: []byte(`"` + strings.Repeat("x", 200) + `"`)}
	if _, err := c.AppendToStream(ctxFor(t), "big-1", esdb.AppendToStreamOptions{}, big); err == nil {
		t.Error("an append over the maximum size succeeded")
	}
}

func TestGossipDiscovery(t *testing.T) {
	srv, _ := start(t)
	c := connect(t, srv.DiscoverURL())
	appendTo(t, c, "disc-1", esdb.NoStream{}, events(1, "Tested")...)
	if got, err := read(t, c, "disc-1", false); err != nil || len(got) != 1 {
		t.Errorf("read through a discovered node: %d events, %v", len(got), err)
	}
	v, err := c.GetServerVersion()
	if err != nil || v.Major != 24 {
		t.Errorf("server version %+v, %v, want 24.x from ServerFeatures", v, err)
	}
}
