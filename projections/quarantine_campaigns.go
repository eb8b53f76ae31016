package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// The campaign engine's quarantine: campaigns it could not drive, kept in
// quarantined_campaigns with the reason, so that one bad campaign never
// holds up the others and an operator sees it in /readyz.

// QuarantineCampaign records that the runner could not drive the campaign,
// and why; a campaign quarantined before gets the new reason and loses its
// retry mark.
func (q *EngineQueries) QuarantineCampaign(ctx context.Context, runner string, account domain.AccountID, id domain.CampaignID, why error) error {
	_, err := q.pool.Exec(ctx, `INSERT INTO quarantined_campaigns (runner, account_id, campaign_id, reason) VALUES ($1, $2, $3, $4)
		ON CONFLICT (runner, campaign_id) DO UPDATE SET reason = EXCLUDED.reason, quarantined_at = now(), retry_requested_at = NULL`,
		runner, account, id, boundedReason(why))
	if err != nil {
		return fmt.Errorf("quarantining campaign %s: %w", id, err)
	}
	return nil
}

// QuarantinedCampaigns lists the campaigns the runner quarantined.
func (q *EngineQueries) QuarantinedCampaigns(ctx context.Context, runner string) ([]domain.CampaignID, error) {
	rows, err := q.pool.Query(ctx, `SELECT campaign_id FROM quarantined_campaigns WHERE runner = $1 ORDER BY campaign_id`, runner)
	if err != nil {
		return nil, fmt.Errorf("quarantined campaigns: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[domain.CampaignID])
}

// CampaignRetries takes the runner's campaigns marked for retry: their
// marks are cleared, their rows stay until ReleaseCampaign.
func (q *EngineQueries) CampaignRetries(ctx context.Context, runner string) ([]CampaignRef, error) {
	rows, err := q.pool.Query(ctx, `UPDATE quarantined_campaigns SET retry_requested_at = NULL
		WHERE runner = $1 AND retry_requested_at IS NOT NULL RETURNING campaign_id, account_id`, runner)
	if err != nil {
		return nil, fmt.Errorf("campaigns marked for retry: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (CampaignRef, error) {
		var r CampaignRef
		err := row.Scan(&r.ID, &r.Account)
		return r, err
	})
}

// ReleaseCampaign takes the campaign out of the runner's quarantine: a
// retry succeeded.
func (q *EngineQueries) ReleaseCampaign(ctx context.Context, runner string, id domain.CampaignID) error {
	_, err := q.pool.Exec(ctx, `DELETE FROM quarantined_campaigns WHERE runner = $1 AND campaign_id = $2`, runner, id)
	if err != nil {
		return fmt.Errorf("releasing campaign %s from quarantine: %w", id, err)
	}
	return nil
}
