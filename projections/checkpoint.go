package projections

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// ErrCheckpointMoved says another runner with the same name moved the
// checkpoint: two runners were writing the same read models. The batch
// was rolled back; restarting reads the new checkpoint.
var ErrCheckpointMoved = errors.New("checkpoint moved by another runner")

// readCheckpoint returns the runner's checkpoint, creating it at the start
// of the global order on the first run.
func readCheckpoint(ctx context.Context, pool *pgxpool.Pool, name string) (eventstore.Position, error) {
	var commit, prepare int64
	err := pool.QueryRow(ctx, `
		WITH created AS (
			INSERT INTO projection_checkpoints (name, commit_position, prepare_position) VALUES ($1, 0, 0)
			ON CONFLICT (name) DO NOTHING
			RETURNING commit_position, prepare_position
		)
		SELECT commit_position, prepare_position FROM created
		UNION ALL
		SELECT commit_position, prepare_position FROM projection_checkpoints WHERE name = $1`, name).
		Scan(&commit, &prepare)
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("reading checkpoint %s: %w", name, err)
	}
	return eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}, nil
}

// queueCheckpoint adds the move of the checkpoint from from to to to b. It
// goes first in the batch's transaction: the row lock it takes serializes
// runners of the same name, and the condition on from makes the loser of
// a race fail with ErrCheckpointMoved instead of applying events twice.
func queueCheckpoint(b *pgx.Batch, name string, from, to eventstore.Position, recorded time.Time) error {
	args := []any{name}
	for _, p := range []uint64{from.Commit, from.Prepare, to.Commit, to.Prepare} {
		if p > math.MaxInt64 {
			return fmt.Errorf("position %d does not fit the checkpoint's bigint", p)
		}
		args = append(args, int64(p))
	}
	var updatedAt *time.Time
	if !recorded.IsZero() {
		updatedAt = &recorded
	}
	args = append(args, updatedAt)
	b.Queue(`UPDATE projection_checkpoints SET commit_position = $4, prepare_position = $5, updated_at = $6
		WHERE name = $1 AND commit_position = $2 AND prepare_position = $3`, args...).
		Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return fmt.Errorf("moving checkpoint %s from %s: %w", name, from, ErrCheckpointMoved)
			}
			return nil
		})
	return nil
}
