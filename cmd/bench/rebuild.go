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
	before := sampleCPU(0)
	raw, err := b.rawCopyOf(ctx, b.opts.rebuilt)
	if err != nil {
		return fmt.Errorf("raw CopyFrom baseline: %w", err)
	}
	rawCPU := sampleCPU(0).since(before)
	rebuilt, rebuildCPU, err := b.rebuild(ctx)
	if err != nil {
		return err
	}
	b.report("raw pgx CopyFrom, as many rows (baseline)", "rows", raw, rate{})
	b.reportRebuildCPU(rawCPU, raw.n, "row")
	b.report("rebuild (build + swap)", "events", rebuilt, raw)
	b.reportRebuildCPU(rebuildCPU, rebuilt.n, "event")
	return nil
}

// reportRebuildCPU prints the CPU a phase used per row or event: where a
// rebuild's time goes, PostgreSQL or the runner (the bench process).
func (b *bench) reportRebuildCPU(u cpuUse, n int, unit string) {
	if u.missing || n == 0 || u.total <= 0 {
		return
	}
	fmt.Fprintf(b.out, "  CPU per %s: PostgreSQL %.1f µs, the bench process %.1f µs; machine %.0f%% idle\n", unit,
		float64(u.postgres.Microseconds())/float64(n), float64(u.bench.Microseconds())/float64(n), 100*float64(u.idle)/float64(u.total))
}

// rebuild writes the history, sets the live runner's checkpoint at its
// end (the live tables' contents do not matter to a rebuild), and times
// the rebuild.
func (b *bench) rebuild(ctx context.Context) (rate, cpuUse, error) {
	pool, err := b.database(ctx, "rebuild", 0)
	if err != nil {
		return rate{}, cpuUse{}, err
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		return rate{}, cpuUse{}, err
	}
	if err := projections.Migrate(ctx, pool); err != nil {
		return rate{}, cpuUse{}, err
	}
	store := postgres.NewEventStore(pool)
	defer store.Close()
	fmt.Fprintf(b.log, "rebuild: writing a history of %d events\n", b.opts.rebuilt)
	last, n, err := writeHistory(ctx, store, b.opts.rebuilt)
	if err != nil {
		return rate{}, cpuUse{}, fmt.Errorf("writing the history: %w", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO projection_checkpoints (name, commit_position, prepare_position) VALUES ($1, $2, $3)`,
		projections.DefaultName, int64(last.Commit), int64(last.Prepare)); err != nil {
		return rate{}, cpuUse{}, err
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE events`); err != nil {
		return rate{}, cpuUse{}, err
	}
	before, start := sampleCPU(0), time.Now()
	pos, err := projections.Rebuild(ctx, pool, store, projections.BuildOptions{Schema: "bench_rebuild"})
	if err != nil {
		return rate{}, cpuUse{}, err
	}
	elapsed, used := time.Since(start), sampleCPU(0).since(before)
	var devices int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM campaign_device_metadata`).Scan(&devices); err != nil {
		return rate{}, cpuUse{}, err
	}
	if pos != last || devices == 0 {
		return rate{}, cpuUse{}, fmt.Errorf("the rebuild stopped at %s with %d devices' metadata, want %s", pos, devices, last)
	}
	return rate{n: n, elapsed: elapsed}, used, nil
}
