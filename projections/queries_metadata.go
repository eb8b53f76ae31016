package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// DeviceMetadata is Pelion's campaign-device metadata record of one device
// in one campaign, with the richer per-device state next to Pelion's six
// deployment states.
type DeviceMetadata struct {
	ID         string            `db:"id"`
	CampaignID domain.CampaignID `db:"campaign_id"`
	DeviceID   domain.DeviceID   `db:"device_id"`
	// DeploymentState is one of Pelion's six values only.
	DeploymentState string `db:"deployment_state"`
	// UpdateState is the device's state in our terms.
	UpdateState      domain.UpdateState `db:"update_state"`
	CampaignerStatus string             `db:"campaigner_status"`
	// ResultCode is the code of the latest state change, nil without one.
	ResultCode *int              `db:"result_code"`
	Reason     string            `db:"reason"`
	SkipReason domain.SkipReason `db:"skip_reason"`
	// Wave is the rollout wave the device was started in; 0: none.
	Wave         int       `db:"wave"`
	Mechanism    string    `db:"mechanism"`
	MechanismURL string    `db:"mechanism_url"`
	Name         string    `db:"name"`
	Description  string    `db:"description"`
	CreatedAt    time.Time `db:"created_at"`
	UpdatedAt    time.Time `db:"updated_at"`
	Etag         string    `db:"etag"`
	// Attempts counts the update's attempts: 1, and one more per retry.
	Attempts int `db:"attempts"`
}

// A campaign's records are listed by device id, the order of the
// (campaign_id, device_id) index; the cursor is a record id.
var metadataList = listSpec{
	columns: `x.id, x.campaign_id, x.device_id, x.deployment_state, x.update_state, x.campaigner_status, x.result_code,
		x.reason, x.skip_reason, x.wave, x.mechanism, x.mechanism_url, x.name, x.description, x.created_at, x.updated_at, x.etag, x.attempts`,
	from: "campaign_device_metadata x",
	keys: []string{"x.device_id"},
	cursor: func(p string) string {
		return "SELECT device_id FROM campaign_device_metadata WHERE campaign_id = $2 AND id = " + p
	},
	fields: fields{
		"id":                {"x.id", kindText},
		"device_id":         {"x.device_id", kindText},
		"deployment_state":  {"x.deployment_state", kindText},
		"update_state":      {"x.update_state", kindText},
		"campaigner_status": {"x.campaigner_status", kindText},
		"result_code":       {"x.result_code", kindInt},
		"skip_reason":       {"x.skip_reason", kindText},
		"wave":              {"x.wave", kindInt},
		"mechanism":         {"x.mechanism", kindText},
		"mechanism_url":     {"x.mechanism_url", kindText},
		"name":              {"x.name", kindText},
		"description":       {"x.description", kindText},
		"etag":              {"x.etag", kindText},
		"attempts":          {"x.attempts", kindInt},
		"created_at":        {"x.created_at", kindTime},
		"updated_at":        {"x.updated_at", kindTime},
	},
}

// metadataScope restricts records to one campaign ($2) of the account ($1).
const metadataScope = "x.account_id = $1 AND x.campaign_id = $2"

// CampaignDeviceMetadata returns one record of one of the account's
// campaigns.
func (q *Queries) CampaignDeviceMetadata(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, id string) (DeviceMetadata, error) {
	if _, err := q.Campaign(ctx, account, campaign); err != nil {
		return DeviceMetadata{}, fmt.Errorf("projections.CampaignDeviceMetadata: %w", err)
	}
	m, err := one[DeviceMetadata](ctx, q, domain.NotFoundError{Object: "campaign device metadata", ID: id},
		fmt.Sprintf("SELECT %s FROM %s WHERE %s AND x.id = $3", metadataList.columns, metadataList.from, metadataScope), account, campaign, id)
	if err != nil {
		return m, fmt.Errorf("projections.CampaignDeviceMetadata: %w", err)
	}
	return m, nil
}

// ListCampaignDeviceMetadata returns a page of the records of one of the
// account's campaigns, in device id order. Without a filter, the total
// count is the campaign's targeted counter rather than a count.
func (q *Queries) ListCampaignDeviceMetadata(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, req ListRequest) (Page[DeviceMetadata], error) {
	const op = "projections.ListCampaignDeviceMetadata"
	if _, err := q.Campaign(ctx, account, campaign); err != nil {
		return Page[DeviceMetadata]{}, fmt.Errorf("%s: %w", op, err)
	}
	counted := req.IncludeTotal && len(req.Filter) == 0
	if counted {
		req.IncludeTotal = false
	}
	p, err := list[DeviceMetadata](ctx, q, metadataList, metadataScope, sqlArgs{account, campaign}, req)
	if err != nil {
		return p, fmt.Errorf("%s: %w", op, err)
	}
	if counted {
		k, err := q.CampaignCounters(ctx, account, campaign)
		if err != nil {
			return p, fmt.Errorf("%s: %w", op, err)
		}
		p.TotalCount = &k.Targeted
	}
	return p, nil
}
