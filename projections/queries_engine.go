package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// CampaignDevicesInStates returns up to limit devices of the campaign
// whose update is in one of states, in id order, after the id after
// (empty: from the start). The engine pages through the devices it still
// has to act on (pending ones to send to, silent ones to time out) with
// it; the (campaign_id, device_id) index serves the order.
func (q *Queries) CampaignDevicesInStates(ctx context.Context, campaign domain.CampaignID, states []domain.UpdateState, after domain.DeviceID, limit int) ([]domain.DeviceID, error) {
	if limit <= 0 {
		return nil, domain.InvalidError{Field: "limit", Reason: fmt.Sprintf("%d is not positive", limit)}
	}
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = string(s)
	}
	return q.deviceIDs(ctx, "projections.CampaignDevicesInStates",
		`SELECT device_id FROM campaign_device_metadata
		WHERE campaign_id = $1 AND update_state = ANY($2::text[]) AND device_id > $3
		ORDER BY device_id LIMIT $4`, campaign, names, after, limit)
}

// deviceIDs runs a query selecting device ids.
func (q *Queries) deviceIDs(ctx context.Context, op, sql string, args ...any) ([]domain.DeviceID, error) {
	rows, err := q.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[domain.DeviceID])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return ids, nil
}
