package main

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// Two replicas on one database: exactly one runs the leader's parts. When
// the leader's session ends (here terminated by the server, as when
// Postgres restarts or cuts a dead client), the leader stops its parts and
// the other replica takes over.
func TestOneReplicaLeadsAndAnotherTakesOverWhenItsSessionEnds(t *testing.T) {
	db := pgtest.NewDatabase(t)
	config, err := pgx.ParseConfig(db)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var running [2]atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	replicas := [2]*leadership{{conn: config, log: log}, {conn: config, log: log}}
	done := make(chan struct{}, 2)
	for i, l := range replicas {
		part := func(ctx context.Context) error { running[i].Add(1); <-ctx.Done(); running[i].Add(-1); return ctx.Err() }
		go func() { _ = l.Run(ctx, part); done <- struct{}{} }()
	}
	leader := waitForOneLeader(t, replicas, &running, -1)

	admin, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1::bigint & x'ffffffff'::bigint`, leaderLock); err != nil {
		t.Fatal(err)
	}
	if next := waitForOneLeader(t, replicas, &running, leader); next == leader {
		t.Fatalf("replica %d still leads after its session ended", leader)
	}
	cancel()
	<-done
	<-done
}

// waitForOneLeader waits until exactly one replica, other than not, leads
// and runs its part, while the other runs none; it returns its index.
func waitForOneLeader(t *testing.T, replicas [2]*leadership, running *[2]atomic.Int32, not int) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for i, l := range replicas {
			if i != not && l.Leading() && running[i].Load() == 1 && !replicas[1-i].Leading() && running[1-i].Load() == 0 {
				time.Sleep(3 * leaderPoll) // and it stays so
				if l.Leading() && !replicas[1-i].Leading() && running[1-i].Load() == 0 {
					return i
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no single leader within 15s: leading %t/%t, parts running %d/%d",
		replicas[0].Leading(), replicas[1].Leading(), running[0].Load(), running[1].Load())
	return -1
}
