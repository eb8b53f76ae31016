package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// storeOn opens an event store on a pool of its own to the database at
// url, as another process would, polling only once an hour: a test that
// sees an append within seconds saw it through a wake-up.
func storeOn(t *testing.T, url string) *postgres.EventStore {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := postgres.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	s := postgres.NewEventStore(pool)
	s.PollInterval = time.Hour
	t.Cleanup(s.Close)
	return s
}

func TestAnAppendWakesTheSubscriptionsOfItsStore(t *testing.T) {
	testAppendWakes(t, func(t *testing.T, url string, s *postgres.EventStore) *postgres.EventStore { return s })
}

func TestAnAppendWakesTheSubscriptionsOfAnotherProcess(t *testing.T) {
	testAppendWakes(t, func(t *testing.T, url string, _ *postgres.EventStore) *postgres.EventStore { return storeOn(t, url) })
}

// A wake-up that finds the append held back by the fence (an older
// transaction still running) reads again soon: the older transaction
// sends no notification when it ends.
func TestAWakeUpHeldBackByTheFenceReadsAgainSoon(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	s := storeOn(t, url)
	tx := olderTransaction(t, url)
	got := waitForNext(t, s)
	id := appendOne(t, s)
	time.Sleep(200 * time.Millisecond) // woken, the subscription finds nothing past the fence
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	assertGot(t, <-got, id)
}

// testAppendWakes appends with one store while a subscription of the
// store reader returns waits for it.
func testAppendWakes(t *testing.T, reader func(t *testing.T, url string, writer *postgres.EventStore) *postgres.EventStore) {
	url := pgtest.NewDatabase(t)
	writer := storeOn(t, url)
	got := waitForNext(t, reader(t, url, writer))
	id := appendOne(t, writer)
	assertGot(t, <-got, id)
}

// next is what a subscription's Next returned.
type next struct {
	events []eventstore.RecordedEvent
	err    error
}

// waitForNext subscribes to s from the start and waits, in the
// background, up to 30 s for the first events.
func waitForNext(t *testing.T, s *postgres.EventStore) <-chan next {
	t.Helper()
	sub, err := s.SubscribeAll(context.Background(), eventstore.Position{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	got := make(chan next, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		events, err := sub.Next(ctx, 10)
		got <- next{events, err}
	}()
	time.Sleep(100 * time.Millisecond) // let the subscription read and wait
	return got
}

// appendOne appends one event to a new stream and returns its id.
func appendOne(t *testing.T, s *postgres.EventStore) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if _, err := s.Append(context.Background(), "wake-1", eventstore.NoStream, eventstore.EventData{ID: id, Type: "Woken"}); err != nil {
		t.Fatal(err)
	}
	return id
}

func assertGot(t *testing.T, n next, id uuid.UUID) {
	t.Helper()
	if n.err != nil {
		t.Fatalf("waiting for the append: %v; a subscription that polls once an hour must be woken", n.err)
	}
	if len(n.events) != 1 || n.events[0].ID != id {
		t.Fatalf("the subscription got %v, want the one event appended", n.events)
	}
}

// A subscription with an interest sleeps through this store's appends of
// events it does not act on, and when an append it acts on wakes it, it
// delivers everything since, in order: the events it acts on whole, the
// others without their data and metadata.
func TestASubscriptionSleepsThroughAppendsOutsideItsInterest(t *testing.T) {
	ctx := context.Background()
	s := storeOn(t, pgtest.NewDatabase(t))
	// The store's listener wakes every subscription once it listens; let
	// that happen before the subscription under test waits.
	if _, err := s.SubscribeAll(ctx, eventstore.Position{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	sub, err := s.SubscribeAllInterested(ctx, eventstore.Position{}, func(stream, eventType string) bool { return eventType == "Wanted" })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	got := make(chan next, 1)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		events, err := sub.Next(ctx, 10)
		got <- next{events, err}
	}()
	time.Sleep(100 * time.Millisecond) // let the subscription read and wait
	other := uuid.New()
	meta := eventstore.Metadata{AccountID: "acme", CorrelationID: "c1"}
	if _, err := s.Append(ctx, "wake-1", eventstore.NoStream, eventstore.EventData{ID: other, Type: "Ignored", Data: []byte(`{"n":1}`), Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-got:
		t.Fatalf("an append of an event outside the interest woke the subscription: got %v, %v", n.events, n.err)
	case <-time.After(300 * time.Millisecond):
	}
	wanted := uuid.New()
	if _, err := s.Append(ctx, "wake-2", eventstore.NoStream, eventstore.EventData{ID: wanted, Type: "Wanted", Data: []byte(`{"n":2}`), Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	n := <-got
	if n.err != nil {
		t.Fatalf("waiting for the wanted append: %v; a subscription that polls once an hour must be woken", n.err)
	}
	// Woken, the subscription delivers what its fence lets through: a
	// transaction running elsewhere on the server (another test's) can
	// hold the wanted event back for a moment, so it may come next.
	if len(n.events) == 1 {
		next, cancel := context.WithTimeout(ctx, 30*time.Second)
		more, err := sub.Next(next, 10)
		cancel()
		if err != nil {
			t.Fatalf("after the ignored event: %v", err)
		}
		n.events = append(n.events, more...)
	}
	if len(n.events) != 2 || n.events[0].ID != other || n.events[1].ID != wanted {
		t.Fatalf("the subscription got %v, want the ignored event, then the wanted one", n.events)
	}
	ignored, got2 := n.events[0], n.events[1]
	if ignored.Stream != "wake-1" || ignored.Type != "Ignored" || ignored.Revision != 0 || ignored.Position.Less(eventstore.Position{Commit: 1}) ||
		ignored.Data != nil || ignored.Metadata != (eventstore.Metadata{}) {
		t.Errorf("the event outside the interest came as %+v, want its stream, type, revision and position without data or metadata", ignored)
	}
	if string(got2.Data) != `{"n":2}` || got2.Metadata != meta || got2.Stream != "wake-2" {
		t.Errorf("the event of interest came as %+v, want it whole", got2)
	}
}

// A wake-up whose events the fence holds back (a transaction older than
// theirs still runs) is answered soon after that transaction ends, even
// when the read after the wake-up delivered older events in between: the
// next Next reads again without waiting for the poll.
func TestAWakeUpHeldBackByTheFenceIsAnsweredWhenTheFenceMoves(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	s := storeOn(t, url)
	meta := eventstore.Metadata{AccountID: "acme", CorrelationID: "c1"}
	sub, err := s.SubscribeAllInterested(ctx, eventstore.Position{}, func(stream, eventType string) bool { return eventType == "Wanted" })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if _, err := s.Append(ctx, "fence-1", eventstore.NoStream, eventstore.EventData{ID: uuid.New(), Type: "Ignored", Data: []byte(`{}`), Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	tx := olderTransaction(t, url)
	wanted := uuid.New()
	if _, err := s.Append(ctx, "fence-2", eventstore.NoStream, eventstore.EventData{ID: wanted, Type: "Wanted", Data: []byte(`{}`), Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	first, err := sub.Next(ctx, 10)
	if err != nil || len(first) != 1 || first[0].Type != "Ignored" {
		t.Fatalf("first read: %v, %v; want the ignored event alone, the wanted one behind the fence", first, err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		_ = tx.Rollback(ctx)
	}()
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	second, err := sub.Next(wait, 10)
	if err != nil || len(second) != 1 || second[0].ID != wanted {
		t.Fatalf("after the older transaction ended: %v, %v; want the wanted event (the poll is an hour away)", second, err)
	}
}

// olderTransaction begins a transaction with an id, on a connection of its
// own, that holds the fence back until it ends: an append after it is
// invisible to readers until then.
func olderTransaction(t *testing.T, url string) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(ctx) })
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil { // now it has an id
		t.Fatal(err)
	}
	return tx
}
