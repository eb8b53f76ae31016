package main

import (
	"context"
	"fmt"
	"time"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/projections"
)

// rebuildScenario times `updatectl rebuild` (projections.Rebuild: build
// into a scratch schema from position zero, then the swap) over a history
// of b.opts.rebuilt events, next to raw CopyFrom of as many rows.
func (b *bench) rebuildScenario(ctx context.Context, _ rate) error {
	fmt.Fprintf(b.out, "\nrebuild: the read models rebuilt from %d events and swapped in, next to raw CopyFrom of as many rows\n", b.opts.rebuilt)
	raw, err := b.rawCopyOf(ctx, b.opts.rebuilt)
	if err != nil {
		return fmt.Errorf("raw CopyFrom baseline: %w", err)
	}
	rebuilt, err := b.rebuild(ctx)
	if err != nil {
		return err
	}
	b.report("raw pgx CopyFrom, as many rows (baseline)", "rows", raw, rate{})
	b.report("rebuild (build + swap)", "events", rebuilt, raw)
	return nil
}

// rebuild writes the history, sets the live runner's checkpoint at its
// end (the live tables' contents do not matter to a rebuild), and times
// the rebuild.
func (b *bench) rebuild(ctx context.Context) (rate, error) {
	pool, err := b.database(ctx, "rebuild", 0)
	if err != nil {
		return rate{}, err
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		return rate{}, err
	}
	if err := projections.Migrate(ctx, pool); err != nil {
		return rate{}, err
	}
	store := postgres.NewEventStore(pool)
	defer store.Close()
	fmt.Fprintf(b.log, "rebuild: writing a history of %d events\n", b.opts.rebuilt)
	last, n, err := writeHistory(ctx, store, b.opts.rebuilt)
	if err != nil {
		return rate{}, fmt.Errorf("writing the history: %w", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO projection_checkpoints (name, commit_position, prepare_position) VALUES ($1, $2, $3)`,
		projections.DefaultName, int64(last.Commit), int64(last.Prepare)); err != nil {
		return rate{}, err
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE events`); err != nil {
		return rate{}, err
	}
	start := time.Now()
	pos, err := projections.Rebuild(ctx, pool, store, projections.BuildOptions{Schema: "bench_rebuild"})
	if err != nil {
		return rate{}, err
	}
	elapsed := time.Since(start)
	var devices int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM campaign_device_metadata`).Scan(&devices); err != nil {
		return rate{}, err
	}
	if pos != last || devices == 0 {
		return rate{}, fmt.Errorf("the rebuild stopped at %s with %d devices' metadata, want %s", pos, devices, last)
	}
	return rate{n: n, elapsed: elapsed}, nil
}
