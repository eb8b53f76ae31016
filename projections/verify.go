package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// Verification is what Verify found.
type Verification struct {
	// Position is the live checkpoint the read models were compared at.
	Position eventstore.Position
	// Differences counts the differing values (and rows one side lacks).
	Differences int
}

// Verify rebuilds the read models from position zero into a scratch
// schema and compares every table of ReadModelTables with the live one,
// passing each difference to each; it drops the scratch schema at the
// end. The live runner is never held back: the live tables are read in
// one snapshot, taken with the checkpoint they reflect (a batch's rows and
// checkpoint commit together), and the rebuild stops exactly there.
func Verify(ctx context.Context, live *pgxpool.Pool, source EventSource, opts BuildOptions,
	each func(Difference) error) (v Verification, err error) {
	opts = opts.withDefaults()
	defer func() {
		if err != nil {
			err = fmt.Errorf("projections.Verify: %w", err)
		}
	}()
	liveSchema, err := currentSchema(ctx, live)
	if err != nil {
		return v, err
	}
	snapshot, err := live.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return v, err
	}
	defer func() { _ = snapshot.Rollback(context.Background()) }()
	if v.Position, err = liveCheckpoint(ctx, snapshot, opts.Runner, false); err != nil {
		return v, err
	}
	s, err := newScratch(ctx, live, opts.Schema)
	defer func() {
		if s != nil {
			err = errors.Join(err, s.drop())
		}
	}()
	if err != nil {
		return v, err
	}
	build := startBuild(s, source, opts)
	err = build.reach(ctx, v.Position)
	if err = errors.Join(err, build.stop()); err != nil {
		return v, err
	}
	for _, t := range ReadModelTables {
		err := compareTable(ctx, snapshot, s.pool, liveSchema, s.schema, t, func(d Difference) error {
			v.Differences++
			return each(d)
		})
		if err != nil {
			return v, err
		}
	}
	return v, nil
}
