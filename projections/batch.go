package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// applyBatch applies a batch of events. If one cannot be decoded or
// applied, the events before it are committed and the error returned: the
// runner stops right before the event, and its position says where.
func (r *Runner) applyBatch(ctx context.Context, events []decoded) error {
	envs, bad := r.pending(events)
	if len(envs) > 0 {
		err := r.commit(ctx, envs)
		var refused *refusedError
		if errors.As(err, &refused) && refused.index > 0 {
			if err := r.commit(ctx, envs[:refused.index]); err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
	}
	return bad
}

// pending returns the events not applied yet, up to the first one that
// could not be decoded, and the error about that one.
func (r *Runner) pending(events []decoded) ([]envelope, error) {
	from := r.Position()
	last := from
	envs := make([]envelope, 0, len(events))
	for _, d := range events {
		if !from.Less(d.position) {
			continue // at or before the checkpoint: applied already
		}
		if !last.Less(d.position) {
			return envs, fmt.Errorf("event at position %s delivered after %s: the source is out of order", d.position, last)
		}
		if d.err != nil {
			return envs, d.err
		}
		envs = append(envs, d.env)
		last = d.position
	}
	return envs, nil
}

// refusedError says which event of a batch the read models refused.
type refusedError struct {
	index int
	err   error
}

func (e *refusedError) Error() string { return e.err.Error() }
func (e *refusedError) Unwrap() error { return e.err }

// commit folds the events into row changes and commits them with the
// checkpoint in one transaction.
func (r *Runner) commit(ctx context.Context, envs []envelope) error {
	started := time.Now() // for the log line only
	from, last := r.Position(), envs[len(envs)-1]
	models := newReadModels()
	for _, env := range envs {
		models.want(env)
	}
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		return r.applyInTx(ctx, tx, models, envs, from, last.position, last.recorded)
	})
	if err != nil {
		return fmt.Errorf("applying events after %s: %w", from, err)
	}
	r.advance(last.position)
	r.cfg.Logger.Debug("projections: batch applied", "name", r.cfg.Name, "events", len(envs),
		"position", last.position.String(), "took", time.Since(started))
	return nil
}

// applyInTx is a batch's transaction: move the checkpoint and load the
// rows (one round trip), fold the events in memory, write every change
// (a COPY per table the batch adds rows to, then one round trip).
func (r *Runner) applyInTx(ctx context.Context, tx pgx.Tx, models *readModels, envs []envelope,
	from, to eventstore.Position, recorded time.Time) error {
	b := &pgx.Batch{}
	if err := queueCheckpoint(b, r.cfg.Name, from, to, recorded); err != nil {
		return err
	}
	models.queueLoads(b)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	for i, env := range envs {
		if err := models.apply(env); err != nil {
			return &refusedError{index: i, err: err}
		}
	}
	if err := models.write(ctx, tx); err != nil {
		return fmt.Errorf("writing read models: %w", err)
	}
	if r.beforeCommit != nil {
		return r.beforeCommit(ctx)
	}
	return nil
}
