package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// DeviceCampaign is a campaign a device is in, as Campaigner lists them.
type DeviceCampaign struct {
	ID       domain.CampaignID         `db:"id"`
	Name     string                    `db:"name"`
	Metadata []domain.CampaignMetadata `db:"metadata"`
}

// DeviceCampaigns returns the account's campaigns that device has an
// update in (a skip is not one), oldest enrolment first. The
// (account_id, device_id) index finds the device's records: a device is
// in few campaigns, however many the account has.
func (q *Queries) DeviceCampaigns(ctx context.Context, account domain.AccountID, device domain.DeviceID) ([]DeviceCampaign, error) {
	const op = "projections.DeviceCampaigns"
	rows, err := q.pool.Query(ctx, `SELECT c.id, c.name, c.metadata FROM campaign_device_metadata m
		JOIN campaigns c ON c.id = m.campaign_id AND c.account_id = m.account_id
		WHERE m.account_id = $1 AND m.device_id = $2 AND m.update_state <> $3 AND c.phase <> 'deleted'
		ORDER BY m.created_at, c.id`, account, device, domain.UpdateSkipped)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[DeviceCampaign])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// FailedInstallation is a device whose update in a campaign failed.
type FailedInstallation struct {
	DeviceID domain.DeviceID
	// FailureCode is Campaigner's code of the failure (campaignerFailureCode).
	FailureCode string
	// Description is the reason given with the failure.
	Description string
}

// FailedInstallations returns up to limit devices of one of the
// account's campaigns whose update failed (Campaigner's failed status),
// after the device id after (empty: from the start), in device id order:
// the (campaign_id, device_id) index serves the order, so a caller pages
// through a campaign of any size.
func (q *Queries) FailedInstallations(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, after domain.DeviceID, limit int) ([]FailedInstallation, error) {
	const op = "projections.FailedInstallations"
	if limit <= 0 {
		return nil, domain.InvalidError{Field: "limit", Reason: fmt.Sprintf("%d is not positive", limit)}
	}
	rows, err := q.pool.Query(ctx, `SELECT device_id, update_state, COALESCE(result_code, 0), failure_code, reason
		FROM campaign_device_metadata
		WHERE account_id = $1 AND campaign_id = $2 AND campaigner_status = 'failed' AND device_id > $3
		ORDER BY device_id LIMIT $4`, account, campaign, after, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (FailedInstallation, error) {
		var f FailedInstallation
		var state domain.UpdateState
		var code int
		var text string
		err := row.Scan(&f.DeviceID, &state, &code, &text, &f.Description)
		f.FailureCode = campaignerFailureCode(state, code, text)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}
