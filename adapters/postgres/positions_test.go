package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// An append takes its positions under the positions' lock, through
// allocate_positions: without it, a transaction could take its id before
// another and its positions after, and a reader fenced at the older one
// would pass positions the younger fills in later. The race itself cannot
// be staged from outside the function; that the append waits for the lock
// can.
func TestAnAppendWaitsForThePositionsLock(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	s := storeOn(t, url)
	holder, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(postgres.PositionsLock)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, "device-acme-d1", eventstore.NoStream,
			eventstore.EventData{ID: uuid.New(), Type: "DeviceRegistered", Data: []byte(`{}`)})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the append returned (error %v) while another session held the positions' lock", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_unlock($1)`, int64(postgres.PositionsLock)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("append after the lock was let go: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the append never returned after the lock was let go")
	}
}
