package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// What an operator sees of the quarantine and does with it
// (bin/updated quarantine list|retry).

// Quarantined is an event or campaign in quarantine.
type Quarantined struct {
	// Runner is the projection runner or engine that quarantined it.
	Runner string
	// ID is the event's position in the global order, or the campaign's id.
	ID string
	// What is "event <type> in <stream> at revision <n>" or "campaign".
	What string
	// Reason says why it could not be applied or driven.
	Reason string
	// At is when it was (last) quarantined.
	At time.Time
	// RetryRequested is when an operator marked it for retry; zero if not.
	RetryRequested time.Time
}

// positionText renders a quarantined event's position as
// eventstore.Position.String does, the ID an operator names it by.
const positionText = `(commit_position::text || CASE WHEN commit_position = prepare_position THEN '' ELSE '/' || prepare_position::text END)`

// errNothingToRetry says the quarantine holds nothing the retry names.
var errNothingToRetry = errors.New("nothing in quarantine matches")

// Quarantine lists the quarantine: events in position order, then campaigns.
func (q *Queries) Quarantine(ctx context.Context) ([]Quarantined, error) {
	rows, err := q.pool.Query(ctx, `
		SELECT runner, `+positionText+`, format('event %s in %s at revision %s', event_type, stream_id, revision),
			reason, quarantined_at, coalesce(retry_requested_at, 'epoch'), 0 AS kind, commit_position, prepare_position, ''
		FROM quarantined_events
		UNION ALL
		SELECT runner, campaign_id, 'campaign of account ' || account_id, reason, quarantined_at,
			coalesce(retry_requested_at, 'epoch'), 1, 0, 0, campaign_id
		FROM quarantined_campaigns
		ORDER BY 7, 8, 9, 10`)
	if err != nil {
		return nil, fmt.Errorf("listing the quarantine: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Quarantined, error) {
		var e Quarantined
		var kind, commit, prepare int64
		var campaign string
		err := row.Scan(&e.Runner, &e.ID, &e.What, &e.Reason, &e.At, &e.RetryRequested, &kind, &commit, &prepare, &campaign)
		if e.RetryRequested.Equal(time.Unix(0, 0)) {
			e.RetryRequested = time.Time{}
		}
		return e, err
	})
}

// RequestRetry marks for retry the quarantined event at position id (as
// Quarantine lists it) or the quarantined campaign id; all of them when
// id is empty. The runners apply or drive them again within a second or
// two. It returns how many it marked; none for an id is an error.
func (q *Queries) RequestRetry(ctx context.Context, id string) (int, error) {
	var n int
	err := q.pool.QueryRow(ctx, `
		WITH events AS (
			UPDATE quarantined_events SET retry_requested_at = now() WHERE $1 = '' OR `+positionText+` = $1 RETURNING 1
		), campaigns AS (
			UPDATE quarantined_campaigns SET retry_requested_at = now() WHERE $1 = '' OR campaign_id = $1 RETURNING 1
		)
		SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM campaigns)`, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("marking for retry: %w", err)
	}
	if n == 0 && id != "" {
		return 0, fmt.Errorf("%w %q", errNothingToRetry, id)
	}
	return n, nil
}
