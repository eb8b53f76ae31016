package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	// IdempotencyKeyTTL is how long a key is kept from its first use, as
	// Stripe keeps its keys: a retry within it gets the first answer; a
	// request with the key after it is a new request.
	IdempotencyKeyTTL = 24 * time.Hour
	// IdempotencyKeyLease is how long a request in flight holds its key:
	// a retry with the same request after it runs again, so that a
	// request whose process died does not block its key for a day. It is
	// twice the API's request timeout, so a live request keeps its key.
	IdempotencyKeyLease = time.Minute
	// sweepInterval is how often expired keys are deleted, at most.
	sweepInterval = time.Minute
)

// IdempotencyKeys keeps the HTTP API's Idempotency-Keys in the table
// idempotency_keys (migration 004): per account, each key's first request
// and, once answered, its answer. It is safe for concurrent use by every
// replica of the service sharing the database.
type IdempotencyKeys struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	swept atomic.Int64 // when expired keys were last deleted, Unix nanoseconds
}

// NewIdempotencyKeys returns the keys kept in pool's database; now is the
// clock that dates claims and expiries.
func NewIdempotencyKeys(pool *pgxpool.Pool, now func() time.Time) *IdempotencyKeys {
	return &IdempotencyKeys{pool: pool, now: now}
}

// claimKey takes a key that is new, expired, or held past its lease by a
// request with the same fingerprint; it returns no row when the key is
// otherwise taken. A concurrent claim of the key waits for this one's
// transaction, so exactly one of them takes it.
const claimKey = `
INSERT INTO idempotency_keys AS k (account_id, key, fingerprint, answer, locked_until, expires_at)
VALUES ($1, $2, $3, NULL, $5, $6)
ON CONFLICT (account_id, key) DO UPDATE
SET fingerprint = EXCLUDED.fingerprint, answer = NULL, locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at
WHERE k.expires_at <= $4 OR (k.answer IS NULL AND k.locked_until <= $4 AND k.fingerprint = EXCLUDED.fingerprint)
RETURNING true`

// Claim takes the account's key for a request with fingerprint and
// returns "" when it did: the caller must then Complete or Release it.
// Otherwise it returns the fingerprint the key was first used with and
// that request's answer, nil while it is in flight.
func (s *IdempotencyKeys) Claim(ctx context.Context, account, key, fingerprint string) (first string, answer []byte, err error) {
	now := s.now()
	if err := s.sweep(ctx, now); err != nil {
		return "", nil, fmt.Errorf("postgres.IdempotencyKeys.Claim: %w", err)
	}
	// A key seen taken can be released before it is read: claim again.
	for range 3 {
		var claimed bool
		err := s.pool.QueryRow(ctx, claimKey, account, key, fingerprint, now, now.Add(IdempotencyKeyLease), now.Add(IdempotencyKeyTTL)).Scan(&claimed)
		if err == nil {
			return "", nil, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return "", nil, fmt.Errorf("postgres.IdempotencyKeys.Claim: %w", err)
		}
		err = s.pool.QueryRow(ctx, `SELECT fingerprint, answer FROM idempotency_keys WHERE account_id = $1 AND key = $2`,
			account, key).Scan(&first, &answer)
		if err == nil {
			return first, answer, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return "", nil, fmt.Errorf("postgres.IdempotencyKeys.Claim: %w", err)
		}
	}
	return "", nil, errors.New("postgres.IdempotencyKeys.Claim: the key was taken and released three times in a row")
}

// Complete stores the answer of the request that claimed the key; a key
// already answered keeps its answer.
func (s *IdempotencyKeys) Complete(ctx context.Context, account, key string, answer []byte) error {
	_, err := s.pool.Exec(ctx, `UPDATE idempotency_keys SET answer = $3 WHERE account_id = $1 AND key = $2 AND answer IS NULL`,
		account, key, answer)
	if err != nil {
		return fmt.Errorf("postgres.IdempotencyKeys.Complete: %w", err)
	}
	return nil
}

// Release forgets a claimed key whose request failed without an answer
// worth keeping, so that its retry runs again.
func (s *IdempotencyKeys) Release(ctx context.Context, account, key string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND answer IS NULL`, account, key)
	if err != nil {
		return fmt.Errorf("postgres.IdempotencyKeys.Release: %w", err)
	}
	return nil
}

// sweep deletes the expired keys, at most once per sweepInterval across
// the callers of this value, so that the table holds about a day of keys.
func (s *IdempotencyKeys) sweep(ctx context.Context, now time.Time) error {
	last := s.swept.Load()
	if now.UnixNano()-last < int64(sweepInterval) || !s.swept.CompareAndSwap(last, now.UnixNano()) {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= $1`, now)
	return err
}
