package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// Retrying the quarantine: once an operator has fixed what made an event
// fail and marked it (bin/updated quarantine retry), the runner reads the
// event back, applies it and removes its row in one transaction, so a
// retried event is applied once; one that fails again stays, with the new
// reason and the mark cleared.

// retryPoll is how often the runner looks for events marked for retry.
const retryPoll = time.Second

// streamReader reads a stream back: how the runner finds a marked event.
type streamReader interface {
	ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error)
}

// markedEvent is a quarantined event marked for retry.
type markedEvent struct {
	position eventstore.Position
	stream   string
	revision uint64
}

// errRetryTaken says the row was retried (or unmarked) by someone else
// meanwhile: there is nothing left to do.
var errRetryTaken = errors.New("the quarantined event is no longer marked for retry")

// retryMarked applies the events marked for retry, in position order.
func (r *Runner) retryMarked(ctx context.Context) error {
	rows, err := r.pool.Query(ctx, `SELECT commit_position, prepare_position, stream_id, revision FROM quarantined_events
		WHERE runner = $1 AND retry_requested_at IS NOT NULL ORDER BY commit_position, prepare_position`, r.cfg.Name)
	if err != nil {
		return fmt.Errorf("reading the events marked for retry: %w", err)
	}
	marked, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (markedEvent, error) {
		var commit, prepare, revision int64
		var m markedEvent
		err := row.Scan(&commit, &prepare, &m.stream, &revision)
		m.position, m.revision = eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}, uint64(revision)
		return m, err
	})
	if err != nil {
		return fmt.Errorf("reading the events marked for retry: %w", err)
	}
	for _, m := range marked {
		if err := r.retryOne(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// retryOne applies one marked event, or quarantines it again with why it
// failed. Only a failure of the database itself is returned: the mark then
// stays for the next run.
func (r *Runner) retryOne(ctx context.Context, m markedEvent) error {
	env, why, err := r.reread(ctx, m)
	if err != nil {
		return err
	}
	if why == nil {
		why = r.reapply(ctx, m, env)
		var refused *refusedError
		if why != nil && !errors.As(why, &refused) && !refusedByDatabase(why) && !errors.Is(why, errRetryTaken) {
			return fmt.Errorf("retrying the event at %s: %w", m.position, why)
		}
	}
	switch {
	case why == nil:
		r.cfg.Logger.Info("projections: quarantined event applied on retry", "name", r.cfg.Name, "position", m.position.String())
		return nil
	case errors.Is(why, errRetryTaken):
		return nil
	}
	reason := boundedReason(why)
	_, err = r.pool.Exec(ctx, `UPDATE quarantined_events SET reason = $4, retry_requested_at = NULL, quarantined_at = now()
		WHERE runner = $1 AND commit_position = $2 AND prepare_position = $3`,
		r.cfg.Name, int64(m.position.Commit), int64(m.position.Prepare), reason)
	if err != nil {
		return fmt.Errorf("quarantining the event at %s again: %w", m.position, err)
	}
	r.cfg.Logger.Error("projections: event failed again on retry; still quarantined", "name", r.cfg.Name,
		"position", m.position.String(), "stream", m.stream, "reason", reason)
	return nil
}

// reread reads the marked event back from the event store and decodes it.
// why says what keeps it from being applied; err is a failure to read.
func (r *Runner) reread(ctx context.Context, m markedEvent) (env envelope, why, err error) {
	sr, ok := r.source.(streamReader)
	if !ok {
		return envelope{}, errors.New("this event store cannot read a quarantined event back"), nil
	}
	recs, err := sr.ReadStream(ctx, m.stream, eventstore.ReadStreamOptions{From: m.revision, Max: 1})
	switch {
	case errors.Is(err, eventstore.ErrStreamNotFound):
		return envelope{}, fmt.Errorf("stream %s is no longer in the event store", m.stream), nil
	case err != nil:
		return envelope{}, nil, fmt.Errorf("reading the event at %s back: %w", m.position, err)
	case len(recs) == 0 || recs[0].Revision != m.revision:
		return envelope{}, fmt.Errorf("stream %s has no event at revision %d any more", m.stream, m.revision), nil
	}
	env, why = decode(recs[0])
	return env, why, nil
}

// reapply applies the event and removes its row in one transaction. The
// checkpoint stays where it is: the runner is past the event already.
func (r *Runner) reapply(ctx context.Context, m markedEvent, env envelope) error {
	models := newReadModels()
	models.want(env)
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM quarantined_events WHERE runner = $1 AND commit_position = $2 AND prepare_position = $3
			AND retry_requested_at IS NOT NULL`, r.cfg.Name, int64(m.position.Commit), int64(m.position.Prepare)).
			Exec(func(tag pgconn.CommandTag) error {
				if tag.RowsAffected() != 1 {
					return errRetryTaken
				}
				return nil
			})
		models.queueLoads(b)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if err := models.apply(env); err != nil {
			return &refusedError{err: err}
		}
		return models.write(ctx, tx)
	})
}
