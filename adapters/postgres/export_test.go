package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// errRollback makes SlowAppend's transaction roll back.
var errRollback = errors.New("rolled back on purpose")

// SlowAppend appends in a transaction held open for delay after writing,
// then commits or rolls back: the late commits and aborted writes the
// contract's concurrency test needs.
func SlowAppend(ctx context.Context, s eventstore.Store, requests []eventstore.AppendRequest, delay time.Duration, commit bool) error {
	err := pgx.BeginTxFunc(ctx, s.(*EventStore).pool, appendTx, func(tx pgx.Tx) error {
		if _, err := appendInTx(ctx, tx, requests); err != nil {
			return err
		}
		time.Sleep(delay)
		if !commit {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	if err == nil {
		s.(*EventStore).appended(requests)
	}
	return err
}

// PositionsLock is the advisory lock under which positions are allocated.
const PositionsLock = positionsLock

// Rows counts the idempotency keys kept, expired or not.
func (s *IdempotencyKeys) Rows(ctx context.Context) (n int, err error) {
	err = s.pool.QueryRow(ctx, `SELECT count(*) FROM idempotency_keys`).Scan(&n)
	return n, err
}
