package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/internal/wiring"
	"github.com/updateservice/updateservice/projections"
)

// openDatabase connects to the service's Postgres.
func (e *env) openDatabase(ctx context.Context) (*pgxpool.Pool, error) {
	if err := e.cfg.needDatabase(); err != nil {
		return nil, err
	}
	pool, err := pgxpool.New(ctx, e.cfg.Database.ConnString())
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database %s: %w", wiring.MaskURL(e.cfg.Database.ConnString()), err)
	}
	return pool, nil
}

// openStore connects to the database and to the event store the service
// uses, and checks that the read models were built from that store.
func (e *env) openStore(ctx context.Context) (*pgxpool.Pool, eventstore.Store, func(), error) {
	pool, err := e.openDatabase(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	store, closeStore, _, err := wiring.OpenEventStore(e.cfg.EventStoreURL, pool)
	if err != nil {
		pool.Close()
		return nil, nil, nil, usageError{err}
	}
	closeAll := func() { closeStore(); pool.Close() }
	if err := projections.ClaimEventSource(ctx, pool, wiring.EventStoreKind(e.cfg.EventStoreURL)); err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	return pool, store, closeAll, nil
}
