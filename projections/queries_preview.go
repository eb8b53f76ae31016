package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// MatchingDeviceFacts calls each with the id and enrolment facts of every
// device of the account's catalog that a campaign's selection matches,
// in id order (the order a start pages them in), from one query whose
// rows are read as they arrive: a preview over a million devices holds
// one row at a time. An error from each ends the read and is returned.
func (q *Queries) MatchingDeviceFacts(ctx context.Context, account domain.AccountID, sel domain.DeviceSelection,
	each func(domain.DeviceID, domain.DeviceFacts) error) error {
	args := sqlArgs{account}
	where, err := selectionSQL(sel, &args)
	if err != nil {
		return fmt.Errorf("projections.MatchingDeviceFacts: %w", err)
	}
	rows, err := q.pool.Query(ctx, fmt.Sprintf(`SELECT d.device_id, d.state, d.device_class, d.firmware_checksum,
		coalesce(d.active_campaign_id, '') FROM devices d WHERE %s%s ORDER BY d.device_id`, deviceScope, where), args...)
	if err != nil {
		return fmt.Errorf("projections.MatchingDeviceFacts: %w", err)
	}
	var id domain.DeviceID
	var f domain.DeviceFacts
	_, err = pgx.ForEachRow(rows, []any{&id, &f.State, &f.DeviceClass, &f.FirmwareHash, &f.ActiveCampaign}, func() error {
		return each(id, f)
	})
	if err != nil {
		return fmt.Errorf("projections.MatchingDeviceFacts: %w", err)
	}
	return nil
}
