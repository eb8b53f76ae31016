package projections

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The quarantine: an event the runner cannot apply is kept in
// quarantined_events with the reason, and the runner goes on after it, so
// that one bad event (a bug, a row the database refuses) never stops the
// read models of everything else.

// maxReason bounds the reason kept with a quarantined event.
const maxReason = 2000

// quarantine records the event at pos as not applied, with why, and moves
// the checkpoint past it, in one transaction.
func (r *Runner) quarantine(ctx context.Context, at decoded, why error) error {
	from := r.Position()
	reason := boundedReason(why)
	b := &pgx.Batch{}
	if err := queueCheckpoint(b, r.cfg.Name, from, at.position, at.recorded); err != nil {
		return err
	}
	b.Queue(`INSERT INTO quarantined_events (runner, commit_position, prepare_position, stream_id, revision, event_type, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		r.cfg.Name, int64(at.position.Commit), int64(at.position.Prepare), at.stream, int64(at.revision), at.eventType, reason)
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() })
	if err != nil {
		return fmt.Errorf("quarantining the event at %s: %w", at.position, err)
	}
	r.advance(at.position)
	r.quarantined.Add(1)
	r.cfg.Logger.Error("projections: event quarantined", "name", r.cfg.Name, "position", at.position.String(),
		"stream", at.stream, "type", at.eventType, "reason", reason)
	return nil
}

// boundedReason is why as the quarantine keeps it: valid UTF-8 without
// NUL, at most maxReason characters.
func boundedReason(why error) string {
	reason := strings.ToValidUTF8(strings.ReplaceAll(why.Error(), "\x00", ""), "?")
	if utf8.RuneCountInString(reason) > maxReason {
		reason = string([]rune(reason)[:maxReason])
	}
	return reason
}

// refusedByDatabase reports whether the database refused the rows of a
// batch for what they hold (a data exception or an integrity violation),
// rather than failing: only then can one event be to blame.
func refusedByDatabase(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (strings.HasPrefix(pg.Code, "22") || strings.HasPrefix(pg.Code, "23"))
}

// QuarantinedEvents counts the events in quarantine, of every runner.
func (q *Queries) QuarantinedEvents(ctx context.Context) (int, error) {
	var n int
	err := q.pool.QueryRow(ctx, `SELECT count(*) FROM quarantined_events`).Scan(&n)
	return n, err
}

// quarantineCheck is what /readyz shows of the quarantine.
func quarantineCheck(events, campaigns int) error {
	var problems []error
	if events > 0 {
		problems = append(problems, fmt.Errorf("quarantined events: %d (see the quarantined_events table); the read models lack what they would change", events))
	}
	if campaigns > 0 {
		problems = append(problems, fmt.Errorf("quarantined campaigns: %d (see the quarantined_campaigns table); the engine does not drive them", campaigns))
	}
	return errors.Join(problems...)
}

// QuarantineCheck answers nil while the quarantine is empty, else an
// error saying how many events and campaigns it holds: the service's
// degraded state.
func (q *Queries) QuarantineCheck(ctx context.Context) error {
	var events, campaigns int
	err := q.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM quarantined_events), (SELECT count(*) FROM quarantined_campaigns)`).
		Scan(&events, &campaigns)
	if err != nil {
		return err
	}
	return quarantineCheck(events, campaigns)
}
