package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// A write that fails in one stream of a multi-stream append (here a
// trigger refusing the stream's rows, after every check has passed) rolls
// back the whole append; the same append, retried once the fault is
// gone, stores every stream's events once. The commands' multi-stream
// tests count on this from an atomic store; they run on the in-memory
// one.
func TestAFailedWriteToOneStreamStoresNothingOfTheAppend(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	s := postgres.NewEventStore(pool)
	t.Cleanup(s.Close)
	// Given a stream with history and a trigger that refuses rows of another
	if _, err := s.Append(ctx, "kept", eventstore.NoStream, testEvent()); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE FUNCTION fail_append() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'append to % refused by the test', NEW.stream_id; END $$;
		CREATE TRIGGER fail_append BEFORE INSERT ON events FOR EACH ROW
		WHEN (NEW.stream_id = 'refused') EXECUTE FUNCTION fail_append()`); err != nil {
		t.Fatal(err)
	}
	requests := []eventstore.AppendRequest{
		{Stream: "kept", Expected: eventstore.Exact(0), Events: []eventstore.EventData{testEvent(), testEvent()}},
		{Stream: "refused", Expected: eventstore.NoStream, Events: []eventstore.EventData{testEvent()}},
	}
	// When the append fails
	if _, err := s.AppendMulti(ctx, requests); err == nil {
		t.Fatal("the append succeeded though the trigger refused a row")
	}
	// Then neither stream has any of its events
	if diff := cmp.Diff(map[string]int{"kept": 1, "refused": 0}, counts(t, s, "kept", "refused")); diff != "" {
		t.Errorf("events after the failed append (-want +got):\n%s", diff)
	}
	// And once the fault is gone, the append and its redelivery store them once
	if _, err := pool.Exec(ctx, `DROP TRIGGER fail_append ON events; DROP FUNCTION fail_append()`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.AppendMulti(ctx, requests); err != nil {
			t.Fatalf("the retried append: %v", err)
		}
	}
	if diff := cmp.Diff(map[string]int{"kept": 3, "refused": 1}, counts(t, s, "kept", "refused")); diff != "" {
		t.Errorf("events after the retries (-want +got):\n%s", diff)
	}
}

// counts returns how many events each stream holds.
func counts(t *testing.T, s eventstore.Store, streams ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, stream := range streams {
		events, err := s.ReadStream(context.Background(), stream, eventstore.ReadStreamOptions{})
		if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatal(err)
		}
		out[stream] = len(events)
	}
	return out
}

func testEvent() eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "Tested", Data: []byte(`{}`)}
}
