package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// WaveCounters are the devices started in one rollout wave of a campaign,
// by how far their update is: one row of campaign_wave_counters.
type WaveCounters struct {
	Wave      int   `db:"wave"`
	Started   int64 `db:"started"`
	Open      int64 `db:"open"`
	Deployed  int64 `db:"deployed"`
	Failed    int64 `db:"failed"` // failed, or failed_connector_channel_update
	TimedOut  int64 `db:"timed_out"`
	Cancelled int64 `db:"cancelled"`
}

// CampaignWaveCounters returns the counters of each wave of one of the
// account's campaigns that started a device, in wave order: a row per
// wave, never a count over devices.
func (q *Queries) CampaignWaveCounters(ctx context.Context, account domain.AccountID, campaign domain.CampaignID) ([]WaveCounters, error) {
	rows, err := q.pool.Query(ctx, `SELECT wave, started, open, deployed, failed + failed_connector_channel_update AS failed,
			timed_out, cancelled
		FROM campaign_wave_counters WHERE account_id = $1 AND campaign_id = $2 ORDER BY wave`, account, campaign)
	if err == nil {
		var waves []WaveCounters
		if waves, err = pgx.CollectRows(rows, pgx.RowToStructByName[WaveCounters]); err == nil {
			return waves, nil
		}
	}
	return nil, fmt.Errorf("projections.CampaignWaveCounters: %w", err)
}
