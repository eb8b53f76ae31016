package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// applyBatch applies a batch of events. An event that cannot be decoded,
// that a read model refuses, or whose rows the database refuses is
// quarantined, and the events around it are applied. Any other failure
// (the database is away) is returned, the events before it committed.
func (r *Runner) applyBatch(ctx context.Context, events []decoded) error {
	for len(events) > 0 {
		envs, bad := r.pending(events)
		if len(envs) > 0 {
			if err := r.commitOrSplit(ctx, events, envs); err != nil {
				return err
			}
		}
		if bad == nil {
			return nil
		}
		at, ok := r.firstPending(events)
		if !ok || at.err == nil {
			return bad // out of order: nothing to blame one event for
		}
		if err := r.quarantine(ctx, at, at.err); err != nil {
			return err
		}
		events = r.after(events)
	}
	return nil
}

// commitOrSplit commits envs; when one of them is to blame, it commits
// the others and quarantines that one.
func (r *Runner) commitOrSplit(ctx context.Context, events []decoded, envs []envelope) error {
	err := r.commit(ctx, envs)
	var refused *refusedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &refused):
		if refused.index > 0 {
			if err := r.commit(ctx, envs[:refused.index]); err != nil {
				return err
			}
		}
		if err := r.quarantine(ctx, r.find(events, envs[refused.index].position), refused.err); err != nil {
			return err
		}
		if rest := envs[refused.index+1:]; len(rest) > 0 {
			return r.commitOrSplit(ctx, events, rest)
		}
		return nil
	case refusedByDatabase(err) && len(envs) > 1:
		half := len(envs) / 2
		if err := r.commitOrSplit(ctx, events, envs[:half]); err != nil {
			return err
		}
		return r.commitOrSplit(ctx, events, envs[half:])
	case refusedByDatabase(err):
		return r.quarantine(ctx, r.find(events, envs[0].position), err)
	}
	return err
}

// firstPending is the first event of the batch after the checkpoint.
func (r *Runner) firstPending(events []decoded) (decoded, bool) {
	from := r.Position()
	for _, d := range events {
		if from.Less(d.position) {
			return d, true
		}
	}
	return decoded{}, false
}

// after drops the events at or before the checkpoint.
func (r *Runner) after(events []decoded) []decoded {
	from := r.Position()
	for i, d := range events {
		if from.Less(d.position) {
			return events[i:]
		}
	}
	return nil
}

// find returns the batch's event at pos.
func (r *Runner) find(events []decoded, pos eventstore.Position) decoded {
	for _, d := range events {
		if d.position == pos {
			return d
		}
	}
	return decoded{position: pos}
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
