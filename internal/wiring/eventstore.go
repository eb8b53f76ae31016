package wiring

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/adapters/eventstoredb"
	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// EventStoreKind names the event store that EVENTSTORE_URL selects, as
// the event_source table records it.
func EventStoreKind(eventStoreURL string) string {
	if eventStoreURL != "" {
		return "eventstoredb"
	}
	return "postgres"
}

// OpenEventStore opens EventStoreDB when eventStoreURL (EVENTSTORE_URL) is
// set, else the Postgres event store on pool. It returns the store, what
// closes it, and a readiness check of the store's server.
func OpenEventStore(eventStoreURL string, pool *pgxpool.Pool) (eventstore.Store, func(), func(context.Context) error, error) {
	if eventStoreURL == "" {
		store := postgres.NewEventStore(pool)
		return store, store.Close, func(ctx context.Context) error { return pool.Ping(ctx) }, nil
	}
	store, err := eventstoredb.New(eventstoredb.Config{URL: eventStoreURL})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("EVENTSTORE_URL: %w", err)
	}
	return store, func() { _ = store.Close() }, store.Ping, nil
}
