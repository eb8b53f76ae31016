package postgres_test

import (
	"context"
	"testing"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/domain/eventstore/contract"
)

func newStore(t *testing.T) eventstore.Store {
	pool := pgtest.NewPool(t)
	if err := postgres.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	s := postgres.NewEventStore(pool)
	t.Cleanup(s.Close)
	return s
}

func TestContract(t *testing.T) {
	contract.Run(t, contract.Harness{
		NewStore:    newStore,
		AtomicMulti: true,
		SlowAppend:  postgres.SlowAppend,
	})
}
