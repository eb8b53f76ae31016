package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/projections"
)

func TestARunnerPastTheStartIndexesTheHistoryItLacks(t *testing.T) {
	// Given read models built before campaign_history existed: a runner
	// past the first half of a history, the table empty, and the backfill
	// row migration 007 leaves for such a database
	f := newFixture(t)
	groups := mixedHistory(t, 11, 30)
	half := f.appendAll(t, groups[:len(groups)/2])
	runTo(t, projections.NewRunner(f.pool, f.store, projections.Config{BatchSize: 50}), half)
	exec(t, f, `TRUNCATE campaign_history`)
	exec(t, f, `INSERT INTO campaign_history_backfill (runner, until_commit, until_prepare, done_commit, done_prepare)
		SELECT name, commit_position, prepare_position, 0, 0 FROM projection_checkpoints WHERE name = 'read-models'`)
	last := f.appendAll(t, groups[len(groups)/2:])

	// When the runner starts again, and its backfill row goes
	r := start(projections.NewRunner(f.pool, f.store, projections.Config{BatchSize: 50}))
	r.waitFor(t, last)
	waitBackfilled(t, f)
	r.stop(t)

	// Then the table holds what a runner from the start writes
	fresh := f.schemaPool(t, "fresh")
	runTo(t, projections.NewRunner(fresh, f.store, projections.Config{BatchSize: 50}), last)
	want, got := dump(t, f.pool, "fresh")["campaign_history"], dump(t, f.pool, "public")["campaign_history"]
	if len(want) == 0 {
		t.Fatal("the history indexes nothing")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("campaign_history after the backfill differs from a clean run (-clean +backfilled):\n%s", diff)
	}
}

// waitBackfilled waits until no backfill row is left.
func waitBackfilled(t *testing.T, f *fixture) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var rows int
		if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM campaign_history_backfill`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backfill rows still there after 30s", rows)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func exec(t *testing.T, f *fixture, sql string) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

func TestARebuildEndsTheBackfillOfTheTablesItReplaces(t *testing.T) {
	// Given a database upgraded as above: the history table empty up to
	// the runner's checkpoint, its backfill row not yet worked off
	f := newFixture(t)
	groups := mixedHistory(t, 12, 30)
	half := f.appendAll(t, groups[:len(groups)/2])
	runTo(t, projections.NewRunner(f.pool, f.store, projections.Config{BatchSize: 50}), half)
	exec(t, f, `TRUNCATE campaign_history`)
	exec(t, f, `INSERT INTO campaign_history_backfill (runner, until_commit, until_prepare, done_commit, done_prepare)
		SELECT name, commit_position, prepare_position, 0, 0 FROM projection_checkpoints WHERE name = 'read-models'`)

	// When a rebuild swaps in read models built from the start, and the
	// runner then goes on with the rest of the history
	if _, err := projections.Rebuild(context.Background(), f.pool, f.store, projections.BuildOptions{Schema: "rebuild_scratch", BatchSize: 50}); err != nil {
		t.Fatal(err)
	}
	last := f.appendAll(t, groups[len(groups)/2:])
	r := start(projections.NewRunner(f.pool, f.store, projections.Config{BatchSize: 50}))
	r.waitFor(t, last)
	r.stop(t)

	// Then no backfill is left to index into the whole table, and the
	// table holds what a runner from the start writes
	var left int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM campaign_history_backfill`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d backfill rows left after the rebuild (%v)", left, err)
	}
	fresh := f.schemaPool(t, "fresh")
	runTo(t, projections.NewRunner(fresh, f.store, projections.Config{BatchSize: 50}), last)
	if diff := cmp.Diff(dump(t, f.pool, "fresh")["campaign_history"], dump(t, f.pool, "public")["campaign_history"]); diff != "" {
		t.Errorf("campaign_history after the rebuild differs from a clean run (-clean +rebuilt):\n%s", diff)
	}
}
