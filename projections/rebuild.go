package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// Rebuild builds fresh read models from position zero into a scratch
// schema while the service keeps running, then puts them in the place of
// the live ones in one transaction, and returns the position they were
// swapped at. Readers see the old tables until that commit and the new
// ones after it, never an empty or half-built one; the live runner goes
// on from its checkpoint on the new tables.
//
// How: the build catches up with the live checkpoint, then a transaction
// locks the live runner's checkpoint row (holding the runner back before
// its next batch, as RebuildCampaign does), lets the build reach exactly
// that checkpoint, and moves the tables: the live ones out to a schema
// that is dropped afterwards, the rebuilt ones in. The checkpoint row
// stays as it is: the new tables reflect exactly the events up to it. The
// runner's quarantined events are replaced by the build's, as the new
// tables lack exactly those. Moving tables (not renaming schemas)
// invalidates every plan that names them, so prepared statements, pgx's
// cached ones included, are planned again against the new tables.
//
// The new tables belong to the role that runs the rebuild: run it as the
// role that owns the read models.
func Rebuild(ctx context.Context, live *pgxpool.Pool, source EventSource, opts BuildOptions) (pos eventstore.Position, err error) {
	opts = opts.withDefaults()
	defer func() {
		if err != nil {
			err = fmt.Errorf("projections.Rebuild: %w", err)
		}
	}()
	liveSchema, err := currentSchema(ctx, live)
	if err != nil {
		return pos, err
	}
	s, err := newScratch(ctx, live, opts.Schema)
	defer func() {
		if s != nil {
			err = errors.Join(err, s.drop())
		}
	}()
	if err != nil {
		return pos, err
	}
	build := startBuild(s, source, opts)
	defer func() { err = errors.Join(err, build.stop()) }()
	if err := catchUp(ctx, live, build, opts.Runner); err != nil {
		return pos, err
	}
	if err := analyze(ctx, s); err != nil {
		return pos, err
	}
	old := opts.Schema + "_old"
	for attempt := 1; ; attempt++ {
		pos, err = swap(ctx, live, build, liveSchema, s.schema, old, opts.Runner)
		if err == nil || !retryable(err) || attempt == swapAttempts {
			break
		}
	}
	if err != nil {
		return pos, err
	}
	_, err = live.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{old}.Sanitize()+" CASCADE")
	return pos, err
}

// swapAttempts bounds the swaps tried when one meets a deadlock or a lock
// it cannot get in swapLockTimeout.
const (
	swapAttempts    = 5
	swapLockTimeout = "10s"
)

// catchUp brings the build close to the live checkpoint without holding
// the live runner back: it follows the checkpoint until a round finds
// little new, so that the swap, which holds the runner, is short.
func catchUp(ctx context.Context, live *pgxpool.Pool, build *scratchBuild, runner string) error {
	for range 10 {
		target, err := liveCheckpoint(ctx, live, runner, false)
		if err != nil {
			return err
		}
		began := time.Now()
		if err := build.reach(ctx, target); err != nil {
			return err
		}
		if time.Since(began) < time.Second {
			return nil
		}
	}
	return nil
}

// analyze gives the planner statistics of the new tables before readers
// use them: without, it plans for empty tables.
func analyze(ctx context.Context, s *scratch) error {
	for _, t := range ReadModelTables {
		if _, err := s.pool.Exec(ctx, "ANALYZE "+pgx.Identifier{s.schema, t.Name}.Sanitize()); err != nil {
			return fmt.Errorf("analyzing %s: %w", t.Name, err)
		}
	}
	return nil
}

// swap is the transaction that puts the rebuilt tables in place.
func swap(ctx context.Context, live *pgxpool.Pool, build *scratchBuild, liveSchema, scratchSchema, old, runner string) (eventstore.Position, error) {
	var pos eventstore.Position
	err := pgx.BeginFunc(ctx, live, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '"+swapLockTimeout+"'"); err != nil {
			return err
		}
		// A runner that never ran has no row to lock: make it, so that a
		// runner starting meanwhile waits too.
		if _, err := tx.Exec(ctx, `INSERT INTO projection_checkpoints (name, commit_position, prepare_position) VALUES ($1, 0, 0)
			ON CONFLICT (name) DO NOTHING`, runner); err != nil {
			return err
		}
		var err error
		if pos, err = liveCheckpoint(ctx, tx, runner, true); err != nil {
			return err
		}
		if err := build.reach(ctx, pos); err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue("CREATE SCHEMA " + pgx.Identifier{old}.Sanitize())
		for _, t := range ReadModelTables {
			b.Queue(fmt.Sprintf("ALTER TABLE %s SET SCHEMA %s", pgx.Identifier{liveSchema, t.Name}.Sanitize(), pgx.Identifier{old}.Sanitize()))
			b.Queue(fmt.Sprintf("ALTER TABLE %s SET SCHEMA %s", pgx.Identifier{scratchSchema, t.Name}.Sanitize(), pgx.Identifier{liveSchema}.Sanitize()))
		}
		b.Queue(fmt.Sprintf("DELETE FROM %s WHERE runner = $1", pgx.Identifier{liveSchema, "quarantined_events"}.Sanitize()), runner)
		b.Queue(fmt.Sprintf("INSERT INTO %s SELECT * FROM %s WHERE runner = $1", pgx.Identifier{liveSchema, "quarantined_events"}.Sanitize(),
			pgx.Identifier{scratchSchema, "quarantined_events"}.Sanitize()), runner)
		// The rebuilt campaign_history is whole up to pos: a backfill of
		// the old one has nothing left to do (backfillBatch stops).
		b.Queue(fmt.Sprintf("DELETE FROM %s WHERE runner = $1", pgx.Identifier{liveSchema, "campaign_history_backfill"}.Sanitize()), runner)
		return tx.SendBatch(ctx, b).Close()
	})
	return pos, err
}

// retryable reports a swap that lost a deadlock or waited too long for a
// lock: a reader or the live runner held a table; trying again may pass.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "55P03")
}
