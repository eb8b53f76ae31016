package esdbtest_test

import (
	"errors"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// TestFailAppends checks the fault hook: an append to a failing stream is
// refused and writes nothing, other streams are untouched, and after
// healing the same append succeeds.
func TestFailAppends(t *testing.T) {
	srv, c := start(t)
	ctx := ctxFor(t)
	srv.FailAppends(func(stream string) bool { return stream == "broken" })
	batch := events(2, "Happened")
	_, err := c.AppendToStream(ctx, "broken", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, batch...)
	var e *esdb.Error
	if !errors.As(err, &e) {
		t.Fatalf("append to a failing stream: got %v, want a client error", err)
	}
	if _, err := c.AppendToStream(ctx, "healthy", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, events(1, "Happened")...); err != nil {
		t.Fatalf("append to another stream: %v", err)
	}
	srv.FailAppends(nil)
	// Expecting no stream: the refused append must have written nothing.
	res, err := c.AppendToStream(ctx, "broken", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, batch...)
	if err != nil {
		t.Fatalf("append after healing: %v", err)
	}
	if res.NextExpectedVersion != 1 {
		t.Errorf("after healing the stream is at revision %d, want 1: the refused append wrote something", res.NextExpectedVersion)
	}
}
