package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// WaitForCheckpoint blocks until the checkpoint name in pool's database
// reaches pos: the read models reflect every event up to pos. It is
// read-your-writes for a process that does not run the runner itself (a
// replica that follows another's projections); it reads the checkpoint
// every few milliseconds at first, then every 50 ms, so a wait costs the
// server a small query per poll. It returns ctx's error, or the read's.
func WaitForCheckpoint(ctx context.Context, pool *pgxpool.Pool, name string, pos eventstore.Position) error {
	wait := 5 * time.Millisecond
	for {
		var commit, prepare int64
		err := pool.QueryRow(ctx, `SELECT commit_position, prepare_position FROM projection_checkpoints WHERE name = $1`, name).
			Scan(&commit, &prepare)
		switch {
		case err == nil:
		case errors.Is(err, pgx.ErrNoRows): // no runner has started yet
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			return fmt.Errorf("projections.WaitForCheckpoint %s: %w", name, err)
		}
		if err == nil && !(eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}).Less(pos) {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}
