package projections_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/projections"
)

// verify runs projections.Verify on f's live read models and returns the
// differences it reported.
func verify(t *testing.T, f *fixture, schema string) []projections.Difference {
	t.Helper()
	var diffs []projections.Difference
	v, err := projections.Verify(context.Background(), f.pool, f.store, projections.BuildOptions{Schema: schema},
		func(d projections.Difference) error { diffs = append(diffs, d); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if v.Differences != len(diffs) {
		t.Errorf("Verify counted %d differences and reported %d", v.Differences, len(diffs))
	}
	return diffs
}

// Verify finds nothing on read models the live runner built, names the
// row, column and both values of one changed by SQL and of one deleted,
// and leaves no scratch schema behind.
func TestVerifyNamesTheRowsChangedBehindTheRunnersBack(t *testing.T) {
	f := newFixture(t)
	live := start(projections.NewRunner(f.pool, f.store, projections.Config{BatchSize: 7}))
	end := f.appendAll(t, coalesced(mixedHistory(t, 2, 40), 4))
	live.waitFor(t, end)
	live.stop(t)
	ctx := context.Background()

	if diffs := verify(t, f, "verify_clean"); len(diffs) != 0 {
		t.Fatalf("Verify found differences in untouched read models:\n%v", diffs)
	}
	var deployed int
	if err := f.pool.QueryRow(ctx, `SELECT deployed FROM campaign_counters WHERE campaign_id = 'acmemain'`).Scan(&deployed); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE campaign_counters SET deployed = deployed + 1 WHERE campaign_id = 'acmemain'`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `DELETE FROM devices WHERE account_id = 'globex' AND device_id = 'dev-0005'`); err != nil {
		t.Fatal(err)
	}
	var finished int
	if err := f.pool.QueryRow(ctx, `SELECT finished FROM campaign_counters WHERE campaign_id = 'acmemain'`).Scan(&finished); err != nil {
		t.Fatal(err)
	}
	counter := func(column string, live int) projections.Difference {
		return projections.Difference{Table: "campaign_counters", Key: "campaign_id=acmemain", Column: column,
			Live: strconv.Itoa(live), Rebuilt: strconv.Itoa(live - 1)}
	}
	want := []projections.Difference{
		counter("deployed", deployed+1), counter("completed", deployed+1), counter("finished", finished),
		{Table: "devices", Key: "account_id=globex device_id=dev-0005", Column: "(row)", Live: "absent", Rebuilt: "present"},
	}
	if diff := cmp.Diff(want, verify(t, f, "verify_changed")); diff != "" {
		t.Errorf("differences (-want +got):\n%s", diff)
	}
	assertNoSchemas(t, f, "verify")
}
