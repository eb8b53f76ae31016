package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// OffsetRequest is Campaigner's paging: skip Offset items, answer at most
// Limit.
type OffsetRequest struct {
	Offset int
	Limit  int
}

// OffsetPage is a page of Campaigner's paging: the items and how many
// there are in all.
type OffsetPage[T any] struct {
	Values []T
	Total  int64
	Offset int
	Limit  int
}

// Update is a Campaigner update as the API shows it: the updates row.
type Update struct {
	ID          domain.UpdateID  `db:"id"`
	AccountID   domain.AccountID `db:"account_id"`
	SourceID    string           `db:"source_id"`
	SourceType  string           `db:"source_type"`
	Name        string           `db:"name"`
	Description string           `db:"description"`
	CreatedAt   time.Time        `db:"created_at"`
	UpdatedAt   time.Time        `db:"updated_at"`
}

const updateColumns = "id, account_id, source_id, source_type, name, description, created_at, updated_at"

// Update returns one of the account's updates.
func (q *Queries) Update(ctx context.Context, account domain.AccountID, id domain.UpdateID) (Update, error) {
	u, err := one[Update](ctx, q, domain.NotFoundError{Object: "update", ID: string(id)},
		"SELECT "+updateColumns+" FROM updates WHERE account_id = $1 AND id = $2", account, id)
	if err != nil {
		return u, fmt.Errorf("projections.Update: %w", err)
	}
	return u, nil
}

// ListUpdates returns a page of the account's updates, oldest first.
func (q *Queries) ListUpdates(ctx context.Context, account domain.AccountID, req OffsetRequest) (OffsetPage[Update], error) {
	p, err := offsetList[Update](ctx, q, updateColumns, "updates", "account_id = $1", "created_at, id", sqlArgs{account}, req)
	if err != nil {
		return p, fmt.Errorf("projections.ListUpdates: %w", err)
	}
	return p, nil
}

// UpdateSourceInUse reports whether an update of the account has this
// source id: an account has one update per source.
func (q *Queries) UpdateSourceInUse(ctx context.Context, account domain.AccountID, source string) (bool, error) {
	var used bool
	err := q.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM updates WHERE account_id = $1 AND source_id = $2)`, account, source).Scan(&used)
	if err != nil {
		return false, fmt.Errorf("projections.UpdateSourceInUse: %w", err)
	}
	return used, nil
}

// CampaignerListRequest is Campaigner's campaign list: an optional status,
// a part of the name, only campaigns with failed devices, and the order.
type CampaignerListRequest struct {
	OffsetRequest
	Status       *domain.CampaignStatus
	NameContains string
	WithErrors   bool
	// ByName sorts by name; otherwise newest first.
	ByName bool
}

// ListCampaignerCampaigns returns a page of the account's campaigns as
// Campaigner lists them.
func (q *Queries) ListCampaignerCampaigns(ctx context.Context, account domain.AccountID, req CampaignerListRequest) (OffsetPage[Campaign], error) {
	args := sqlArgs{account}
	// Retry campaigns are shown through their main campaign only.
	where := campaignScope + " AND c.main_campaign_id = ''"
	if req.Status != nil {
		where += " AND c.campaigner_status = " + args.add(string(*req.Status))
	}
	if req.NameContains != "" {
		where += fmt.Sprintf(" AND strpos(c.name, %s) > 0", args.add(req.NameContains))
	}
	if req.WithErrors {
		where += " AND coalesce(k.failed_total, 0) > 0"
	}
	order := "c.created_at DESC, c.id DESC"
	if req.ByName {
		order = "c.name, c.id"
	}
	p, err := offsetList[Campaign](ctx, q, campaignList.columns, campaignList.from, where, order, args, req.OffsetRequest)
	if err != nil {
		return p, fmt.Errorf("projections.ListCampaignerCampaigns: %w", err)
	}
	return p, nil
}

// CampaignCounts counts the account's campaigns by Campaigner status.
type CampaignCounts map[domain.CampaignStatus]int64

// CountCampaigns counts the account's live campaigns by Campaigner status,
// from the campaigns rows (one per campaign, never its devices).
func (q *Queries) CountCampaigns(ctx context.Context, account domain.AccountID) (CampaignCounts, error) {
	rows, err := q.pool.Query(ctx, `SELECT c.campaigner_status, count(*) FROM campaigns c WHERE `+campaignScope+` GROUP BY 1`, account)
	if err != nil {
		return nil, fmt.Errorf("projections.CountCampaigns: %w", err)
	}
	counts := CampaignCounts{}
	var status domain.CampaignStatus
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&status, &n}, func() error {
		counts[status] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("projections.CountCampaigns: %w", err)
	}
	return counts, nil
}

// offsetList answers an offset page of the rows (columns) of from where
// where holds, in order, with their total.
func offsetList[T any](ctx context.Context, q *Queries, columns, from, where, order string, args sqlArgs, req OffsetRequest) (OffsetPage[T], error) {
	page := OffsetPage[T]{Values: []T{}, Offset: req.Offset, Limit: req.Limit}
	if err := q.pool.QueryRow(ctx, "SELECT count(*) FROM "+from+" WHERE "+where, args...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("counting: %w", err)
	}
	rows, err := q.pool.Query(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s OFFSET %d LIMIT %d",
		columns, from, where, order, req.Offset, req.Limit), args...)
	if err != nil {
		return page, fmt.Errorf("listing: %w", err)
	}
	if page.Values, err = pgx.CollectRows(rows, pgx.RowToStructByName[T]); err != nil {
		return page, fmt.Errorf("listing: %w", err)
	}
	return page, nil
}
