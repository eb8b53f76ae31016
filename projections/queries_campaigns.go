package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// Campaign is an update campaign as the API shows it: the campaigns row
// with its manifest's URL and a health indicator derived from its counters.
type Campaign struct {
	ID                     domain.CampaignID     `db:"id"`
	AccountID              domain.AccountID      `db:"account_id"`
	Name                   string                `db:"name"`
	Description            string                `db:"description"`
	RootManifestID         domain.ManifestID     `db:"root_manifest_id"`
	RootManifestURL        string                `db:"root_manifest_url"`
	DeviceFilter           string                `db:"device_filter"`
	Strategy               domain.Strategy       `db:"campaign_strategy"`
	ApprovalRequired       bool                  `db:"approval_required"`
	Autostop               bool                  `db:"autostop"`
	AutostopSuccessPercent float64               `db:"autostop_success_percent"`
	AutostopReason         string                `db:"autostop_reason"`
	HealthIndicator        string                `db:"health_indicator"`
	When                   *time.Time            `db:"when"`
	Phase                  domain.Phase          `db:"phase"`
	State                  domain.State          `db:"state"`
	CampaignerStatus       domain.CampaignStatus `db:"campaigner_status"`
	ManifestTimestamp      *time.Time            `db:"manifest_timestamp"`
	BatchesProcessed       int                   `db:"batches_processed"`
	CreatedAt              time.Time             `db:"created_at"`
	UpdatedAt              time.Time             `db:"updated_at"`
	StartingAt             *time.Time            `db:"starting_at"`
	StartedAt              *time.Time            `db:"started_at"`
	ActiveAt               *time.Time            `db:"active_at"`
	StoppingAt             *time.Time            `db:"stopping_at"`
	StoppedAt              *time.Time            `db:"stopped_at"`
	ArchivedAt             *time.Time            `db:"archived_at"`
	Finished               *time.Time            `db:"finished"`
	// Etag is the campaign stream's revision; EditCampaign takes it as
	// IfMatch.
	Etag string `db:"etag"`
	// The Campaigner fields: empty for a campaign made through /v3.
	UpdateID        domain.UpdateID           `db:"update_id"`
	Groups          []string                  `db:"groups"`
	Metadata        []domain.CampaignMetadata `db:"metadata"`
	ConsentRequired bool                      `db:"consent_required"`
	// A retry campaign's main campaign and failure code; a main
	// campaign's retry campaigns, oldest first: read for one campaign
	// only, never per row of a list, which does not show them (none as
	// of a past time either).
	MainCampaignID   domain.CampaignID   `db:"main_campaign_id"`
	FailureCode      string              `db:"failure_code"`
	RetryCampaignIDs []domain.CampaignID `db:"-"`
	// The rollout (Campaign rules 16–21): the policy, normalized, nil
	// without one; the pause, whose cause and reason are empty and time
	// nil while not paused; the current wave (1-based, 0 before the
	// first) and each wave's size over the devices enrolled so far (nil
	// before any).
	RolloutPolicy *domain.RolloutPolicy `db:"rollout_policy"`
	Paused        bool                  `db:"paused"`
	PauseCause    string                `db:"pause_cause"`
	PauseReason   string                `db:"pause_reason"`
	PausedAt      *time.Time            `db:"paused_at"`
	Wave          int                   `db:"wave"`
	WaveSizes     []int                 `db:"wave_sizes"`
}

// The health indicators: error when the campaign ended for a reason that
// needs a user (no quota, manifest deleted, conflict, expired), warning
// while it is paused or any of its devices failed, ok otherwise.
const (
	HealthOK      = "ok"
	HealthWarning = "warning"
	HealthError   = "error"
)

var campaignList = listSpec{
	columns: `c.id, c.account_id, c.name, c.description, c.root_manifest_id, coalesce(m.datafile, '') AS root_manifest_url,
		c.device_filter, c.campaign_strategy, c.approval_required, c.autostop, c.autostop_success_percent, c.autostop_reason,
		CASE WHEN c.state IN ('quotaallocationfailed', 'manifestremoved', 'conflict', 'expired') THEN 'error'
		     WHEN c.paused OR coalesce(k.failed_total, 0) > 0 THEN 'warning' ELSE 'ok' END AS health_indicator,
		c."when", c.phase, c.state, c.campaigner_status, c.manifest_timestamp, c.batches_processed, c.created_at, c.updated_at,
		c.starting_at, c.started_at, c.active_at, c.stopping_at, c.stopped_at, c.archived_at, c.finished, c.etag,
		c.update_id, c.groups, c.metadata, c.consent_required, c.main_campaign_id, c.failure_code,
		c.rollout_policy, c.paused, c.pause_cause, c.pause_reason, c.paused_at, c.wave, c.wave_sizes`,
	from: `campaigns c
		LEFT JOIN manifests m ON m.id = c.root_manifest_id AND m.account_id = c.account_id
		LEFT JOIN campaign_counters k ON k.campaign_id = c.id`,
	keys: []string{"c.created_at", "c.id"},
	cursor: func(p string) string {
		return "SELECT created_at, id FROM campaigns WHERE account_id = $1 AND id = " + p
	},
	fields: fields{
		"id":                       {"c.id", kindText},
		"name":                     {"c.name", kindText},
		"description":              {"c.description", kindText},
		"root_manifest_id":         {"c.root_manifest_id", kindText},
		"device_filter":            {"c.device_filter", kindText},
		"campaign_strategy":        {"c.campaign_strategy", kindText},
		"approval_required":        {"c.approval_required", kindBool},
		"autostop":                 {"c.autostop", kindBool},
		"autostop_success_percent": {"c.autostop_success_percent", kindNumber},
		"phase":                    {"c.phase", kindText},
		"paused":                   {"c.paused", kindBool},
		"state":                    {"c.state", kindText},
		"etag":                     {"c.etag", kindText},
		"when":                     {`c."when"`, kindTime},
		"created_at":               {"c.created_at", kindTime},
		"updated_at":               {"c.updated_at", kindTime},
		"starting_at":              {"c.starting_at", kindTime},
		"started_at":               {"c.started_at", kindTime},
		"active_at":                {"c.active_at", kindTime},
		"stopping_at":              {"c.stopping_at", kindTime},
		"stopped_at":               {"c.stopped_at", kindTime},
		"archived_at":              {"c.archived_at", kindTime},
		"finished":                 {"c.finished", kindTime},
	},
}

// campaignScope restricts campaigns to the account's ($1) live ones: a
// deleted campaign keeps its row for analytics but is gone for the API.
const campaignScope = "c.account_id = $1 AND c.phase <> 'deleted'"

// Campaign returns one of the account's campaigns, with its retry
// campaigns.
func (q *Queries) Campaign(ctx context.Context, account domain.AccountID, id domain.CampaignID) (Campaign, error) {
	c, err := q.campaignRow(ctx, account, id)
	if err == nil {
		c.RetryCampaignIDs, err = q.retryCampaigns(ctx, account, id)
	}
	if err != nil {
		return c, fmt.Errorf("projections.Campaign: %w", err)
	}
	return c, nil
}

// campaignRow returns one of the account's campaigns without its retry
// campaigns.
func (q *Queries) campaignRow(ctx context.Context, account domain.AccountID, id domain.CampaignID) (Campaign, error) {
	return one[Campaign](ctx, q, domain.NotFoundError{Object: "update campaign", ID: string(id)},
		fmt.Sprintf("SELECT %s FROM %s WHERE %s AND c.id = $2", campaignList.columns, campaignList.from, campaignScope), account, id)
}

// retryCampaigns lists the retry campaigns of one of the account's
// campaigns, oldest first. Saying main_campaign_id is not empty lets a
// generic plan use the partial index campaigns_main_campaign.
func (q *Queries) retryCampaigns(ctx context.Context, account domain.AccountID, main domain.CampaignID) ([]domain.CampaignID, error) {
	rows, err := q.pool.Query(ctx, `SELECT c.id FROM campaigns c WHERE `+campaignScope+` AND c.main_campaign_id = $2
		AND c.main_campaign_id <> '' ORDER BY c.created_at, c.id`, account, main)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[domain.CampaignID])
}

// ListCampaigns returns a page of the account's campaigns in creation order.
func (q *Queries) ListCampaigns(ctx context.Context, account domain.AccountID, req ListRequest) (Page[Campaign], error) {
	p, err := list[Campaign](ctx, q, campaignList, campaignScope, sqlArgs{account}, req)
	if err != nil {
		return p, fmt.Errorf("projections.ListCampaigns: %w", err)
	}
	return p, nil
}

// CampaignNameInUse reports whether another live campaign of the account
// than except has this name: names are unique in an account.
func (q *Queries) CampaignNameInUse(ctx context.Context, account domain.AccountID, name string, except domain.CampaignID) (bool, error) {
	var used bool
	err := q.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM campaigns c WHERE `+campaignScope+` AND c.name = $2 AND c.id <> $3)`,
		account, name, except).Scan(&used)
	if err != nil {
		return false, fmt.Errorf("projections.CampaignNameInUse: %w", err)
	}
	return used, nil
}
