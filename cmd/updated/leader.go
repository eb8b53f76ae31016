package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// leaderLock is the Postgres advisory lock the leading replica holds on a
// connection of its own: a key of its own, unlike the event store's
// positions lock (migration 001) and tern's migration locks.
const leaderLock int64 = 7415081937452101

// How often a follower tries the lock, and how often the leader checks
// that its connection (and so its lock) is still alive. A leader whose
// connection died stops its parts within about leaderCheck, while another
// replica may take the lock as soon as Postgres ended the session: in that
// window both may send the same step, which the commands' ids and the
// devices' at-least-once path already absorb.
const (
	leaderPoll  = time.Second
	leaderCheck = time.Second
)

// leadership runs the parts that must run once across every replica on a
// database (the campaign engine, the projection runner) in the replica
// that holds leaderLock. Postgres releases a session's advisory locks when
// the session ends, so a leader that dies (a kill, a crash, a network cut
// noticed by the server) hands over to the next replica that tries.
type leadership struct {
	conn    *pgx.ConnConfig // the pool's, without the pool's own settings
	log     *slog.Logger
	leading atomic.Bool
}

// Leading reports whether this replica leads now.
func (l *leadership) Leading() bool { return l.leading.Load() }

// Run tries to lead until ctx ends; while it leads, it runs parts, and it
// stops them when the lock's connection fails. It returns ctx's error.
func (l *leadership) Run(ctx context.Context, parts ...func(context.Context) error) error {
	announced := false
	for ctx.Err() == nil {
		conn, err := l.acquire(ctx)
		switch {
		case err == nil:
		case errors.Is(err, errFollowing):
			if !announced {
				l.log.Info("another replica leads; following", "retry_every", leaderPoll)
				announced = true
			}
		case ctx.Err() == nil:
			l.log.Warn("leader lock unavailable; following", "retry_every", leaderPoll, "error", err)
		}
		if err != nil {
			sleep(ctx, leaderPoll)
			continue
		}
		announced = false
		l.lead(ctx, conn, parts)
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = conn.Close(closeCtx) // ends the session: the lock goes with it
		cancel()
	}
	return ctx.Err()
}

// errFollowing says another replica holds the lock.
var errFollowing = errors.New("another replica holds the leader lock")

// acquire connects and takes the lock, or fails.
func (l *leadership) acquire(ctx context.Context) (*pgx.Conn, error) {
	connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(connectCtx, l.conn.Copy())
	if err != nil {
		return nil, fmt.Errorf("leader lock: %w", err)
	}
	var got bool
	if err := conn.QueryRow(connectCtx, `SELECT pg_try_advisory_lock($1)`, leaderLock).Scan(&got); err != nil || !got {
		_ = conn.Close(context.Background())
		if err == nil {
			err = errFollowing
		}
		return nil, fmt.Errorf("leader lock: %w", err)
	}
	return conn, nil
}

// lead runs parts until ctx ends or conn fails, then stops them and waits
// for them.
func (l *leadership) lead(ctx context.Context, conn *pgx.Conn, parts []func(context.Context) error) {
	ctx, cancel := context.WithCancel(ctx)
	l.leading.Store(true)
	l.log.Info("leading: running the campaign engine and the projections")
	var wg sync.WaitGroup
	for _, part := range parts {
		wg.Add(1)
		go func() { defer wg.Done(); _ = part(ctx) }()
	}
	defer func() {
		cancel()
		wg.Wait()
		l.leading.Store(false)
	}()
	for sleep(ctx, leaderCheck) {
		checkCtx, done := context.WithTimeout(ctx, 3*leaderCheck)
		err := conn.Ping(checkCtx)
		done()
		if err != nil && ctx.Err() == nil {
			l.log.Error("leader lock lost: stopping the campaign engine and the projections", "error", err)
			return
		}
	}
}

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
