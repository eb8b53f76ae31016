package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// newKeys returns idempotency keys on a fresh database, dated by a clock
// the test moves.
func newKeys(t *testing.T) (*postgres.IdempotencyKeys, *clock) {
	t.Helper()
	pool := pgtest.NewPool(t)
	if err := postgres.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	return postgres.NewIdempotencyKeys(pool, c.Now), c
}

// claim claims and fails the test on an error.
func claim(t *testing.T, s *postgres.IdempotencyKeys, account, key, fp string) (string, []byte) {
	t.Helper()
	first, answer, err := s.Claim(context.Background(), account, key, fp)
	if err != nil {
		t.Fatal(err)
	}
	return first, answer
}

func TestAKeyIsClaimedOnceThenAnswersItsFirstRequest(t *testing.T) {
	s, _ := newKeys(t)
	ctx := context.Background()
	if first, _ := claim(t, s, "acme", "k", "fp-1"); first != "" {
		t.Fatalf("a new key was taken by %q", first)
	}
	if first, answer := claim(t, s, "acme", "k", "fp-1"); first != "fp-1" || answer != nil {
		t.Errorf("in flight: %q %q, want fp-1 without an answer", first, answer)
	}
	if first, _ := claim(t, s, "globex", "k", "fp-2"); first != "" {
		t.Errorf("another account's key was taken by %q", first)
	}
	if err := s.Complete(ctx, "acme", "k", []byte("answer")); err != nil {
		t.Fatal(err)
	}
	if first, answer := claim(t, s, "acme", "k", "fp-3"); first != "fp-1" || string(answer) != "answer" {
		t.Errorf("answered: %q %q", first, answer)
	}
}

func TestAReleasedKeyIsFreeAgain(t *testing.T) {
	s, _ := newKeys(t)
	claim(t, s, "acme", "k", "fp-1")
	if err := s.Release(context.Background(), "acme", "k"); err != nil {
		t.Fatal(err)
	}
	if first, _ := claim(t, s, "acme", "k", "fp-1"); first != "" {
		t.Errorf("a released key is held by %q", first)
	}
}

// A request in flight past the lease lost its process: a retry with the
// same request takes the key over; another request still may not.
func TestAKeyHeldPastItsLeaseIsTakenOverByTheSameRequest(t *testing.T) {
	s, c := newKeys(t)
	claim(t, s, "acme", "k", "fp-1")
	c.advance(postgres.IdempotencyKeyLease - time.Second)
	if first, _ := claim(t, s, "acme", "k", "fp-1"); first != "fp-1" {
		t.Errorf("within the lease: %q", first)
	}
	c.advance(2 * time.Second)
	if first, _ := claim(t, s, "acme", "k", "fp-2"); first != "fp-1" {
		t.Errorf("another request after the lease: %q", first)
	}
	if first, _ := claim(t, s, "acme", "k", "fp-1"); first != "" {
		t.Errorf("the same request after the lease: %q", first)
	}
}

// After a day a key is new again, and expired keys are deleted.
func TestKeysExpireAfterADay(t *testing.T) {
	s, c := newKeys(t)
	claim(t, s, "acme", "k", "fp-1")
	claim(t, s, "acme", "old", "fp-1")
	if err := s.Complete(context.Background(), "acme", "k", []byte("answer")); err != nil {
		t.Fatal(err)
	}
	c.advance(postgres.IdempotencyKeyTTL)
	if first, _ := claim(t, s, "acme", "k", "fp-2"); first != "" {
		t.Errorf("an expired key is held by %q", first)
	}
	if n, err := s.Rows(context.Background()); err != nil || n != 1 {
		t.Errorf("%d keys kept (%v), want the one claimed since", n, err)
	}
}
