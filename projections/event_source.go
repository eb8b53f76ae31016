package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ClaimEventSource records that the read models in pool's database are
// built from the event store of the given kind ("postgres",
// "eventstoredb"), or fails when they were built from another: positions
// of two stores cannot be compared, so a runner would skip or repeat
// events.
func ClaimEventSource(ctx context.Context, pool *pgxpool.Pool, kind string) error {
	var recorded string
	err := pool.QueryRow(ctx, `WITH claimed AS (
			INSERT INTO event_source (id, kind) VALUES (1, $1) ON CONFLICT (id) DO NOTHING RETURNING kind)
		SELECT kind FROM claimed UNION ALL SELECT kind FROM event_source WHERE id = 1`, kind).Scan(&recorded)
	if err != nil {
		return fmt.Errorf("projections.ClaimEventSource: %w", err)
	}
	if recorded != kind {
		return fmt.Errorf("the read models in this database were built from the %s event store, and this start uses %s: "+
			"use another database, or rebuild (drop the read-model tables and projection_checkpoints, and delete event_source)", recorded, kind)
	}
	return nil
}
