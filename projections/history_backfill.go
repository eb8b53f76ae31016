package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// Read models built before campaign_history existed have a checkpoint past
// the events the table lacks: the migration that made the table left a
// campaign_history_backfill row saying up to where. Beside the live path,
// the runner indexes the events up to there, a batch per transaction that
// also moves the row's own position, so a restart goes on where it
// stopped; the last batch removes the row. The read models never wait for
// it, and its rows, all at or before where the live path started, never
// meet the live path's. It reads the global order through the port's
// subscription, so it works on either event store.

// errBackfillGone says the backfill row went away under the backfill: a
// rebuild swapped in a campaign_history that is whole, so nothing is left
// to index.
var errBackfillGone = errors.New("the campaign history backfill row is gone")

// backfillBeside runs backfillHistory in the background; the channel
// yields its error (nil when done) and then closes.
func (r *Runner) backfillBeside(ctx context.Context) <-chan error {
	done := make(chan error, 1)
	go func() {
		defer close(done)
		done <- r.backfillHistory(ctx)
	}()
	return done
}

// backfillHistory fills campaign_history up to the backfill row's position,
// if there is one for this runner.
func (r *Runner) backfillHistory(ctx context.Context) error {
	var uc, up, dc, dp int64
	err := r.pool.QueryRow(ctx, `SELECT until_commit, until_prepare, done_commit, done_prepare
		FROM campaign_history_backfill WHERE runner = $1`, r.cfg.Name).Scan(&uc, &up, &dc, &dp)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the campaign history backfill: %w", err)
	}
	until := eventstore.Position{Commit: uint64(uc), Prepare: uint64(up)}
	done := eventstore.Position{Commit: uint64(dc), Prepare: uint64(dp)}
	r.cfg.Logger.Info("projections: indexing the campaign history", "name", r.cfg.Name, "after", done.String(), "until", until.String())
	sub, err := r.source.SubscribeAll(ctx, done)
	if err != nil {
		return fmt.Errorf("campaign history backfill: subscribing after %s: %w", done, err)
	}
	defer sub.Close()
	for done.Less(until) {
		events, err := sub.Next(ctx, r.cfg.BatchSize)
		if err != nil {
			return fmt.Errorf("campaign history backfill after %s: %w", done, err)
		}
		next, err := r.backfillBatch(ctx, events, done, until)
		if errors.Is(err, errBackfillGone) {
			r.cfg.Logger.Info("projections: campaign history backfill ended by a rebuild", "name", r.cfg.Name)
			return nil
		}
		if err != nil {
			return fmt.Errorf("campaign history backfill after %s: %w", done, err)
		}
		done = next
	}
	r.cfg.Logger.Info("projections: campaign history indexed", "name", r.cfg.Name, "until", until.String())
	return nil
}

// backfillBatch indexes the events at or before until and moves the
// backfill's position past them, or removes the row once it reaches until.
// An event that cannot be decoded is left out, as the runner left it out
// of the read models (it is in the quarantine).
func (r *Runner) backfillBatch(ctx context.Context, events []eventstore.RecordedEvent, from, until eventstore.Position) (eventstore.Position, error) {
	p := newCampaignHistoryProjection()
	to := from
	for _, rec := range events {
		if !from.Less(rec.Position) || until.Less(rec.Position) {
			continue
		}
		to = rec.Position
		if env, err := decode(rec); err == nil {
			p.on(env)
		}
	}
	if n := len(events); n > 0 && until.Less(events[n-1].Position) {
		to = until // past until: the backfill is complete
	}
	if to == from {
		return from, nil
	}
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		move := `UPDATE campaign_history_backfill SET done_commit = $4, done_prepare = $5
			WHERE runner = $1 AND done_commit = $2 AND done_prepare = $3`
		if to == until {
			move = `DELETE FROM campaign_history_backfill WHERE runner = $1 AND done_commit = $2 AND done_prepare = $3
				AND $4::bigint = until_commit AND $5::bigint = until_prepare`
		}
		tag, err := tx.Exec(ctx, move, r.cfg.Name, int64(from.Commit), int64(from.Prepare), int64(to.Commit), int64(to.Prepare))
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			var left bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM campaign_history_backfill WHERE runner = $1)`, r.cfg.Name).Scan(&left); err != nil {
				return err
			}
			if !left {
				return errBackfillGone
			}
			return fmt.Errorf("moving the backfill from %s: %w", from, ErrCheckpointMoved)
		}
		return p.copyNew(ctx, tx)
	})
	return to, err
}

// on indexes an event the way the runner's apply does.
func (p *campaignHistoryProjection) on(env envelope) {
	if env.campaignID != "" {
		p.OnCampaignEvent(env)
		return
	}
	switch e := env.event.(type) {
	case domain.DeviceEnrolled:
		p.OnDeviceEnrolled(env, e)
	case domain.DeviceSkipped:
		p.OnDeviceSkipped(env, e)
	case domain.DeviceUpdateStateChanged:
		p.OnDeviceUpdateStateChanged(env, e)
	}
}
