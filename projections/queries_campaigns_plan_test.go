package projections

import (
	"context"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// A campaign list reads its page in one pass: no column of it may be a
// subquery run once per row (as each campaign's retry campaigns were),
// which made a page of 1,000 campaigns 1,000 more index scans.
func TestTheCampaignListPlansNoWorkPerRow(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var plan string
	err := pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) SELECT "+campaignList.columns+" FROM "+campaignList.from+
		" WHERE "+campaignScope+" ORDER BY c.created_at DESC, c.id DESC LIMIT 1000", "acme").Scan(&plan)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plan, "SubPlan") {
		t.Errorf("the campaign list plans a subquery per row:\n%s", plan)
	}
}
