package projections

import (
	"context"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/tern/v2/migrate"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

func TestMigration007LeavesABackfillForEachRunnerPastTheStart(t *testing.T) {
	// Given read models at migration 006 with a runner past the start, a
	// runner that never applied anything, and the campaign engine
	ctx := context.Background()
	pool := newPool(t, pgtest.NewDatabase(t), "")
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), "public."+VersionTable)
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	if err := m.LoadMigrations(sub); err != nil {
		t.Fatal(err)
	}
	if err := m.MigrateTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `INSERT INTO projection_checkpoints (name, commit_position, prepare_position)
		VALUES ('read-models', 42, 41), ('fresh', 0, 0), ('campaign-engine', 50, 50)`)
	if err != nil {
		t.Fatal(err)
	}

	// When migration 007 runs
	if err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}

	// Then only the runner past the start has a backfill, up to its checkpoint
	rows, err := conn.Query(ctx, `SELECT runner, until_commit, until_prepare, done_commit, done_prepare FROM campaign_history_backfill`)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]any
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	want := [][]any{{"read-models", int64(42), int64(41), int64(0), int64(0)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backfill rows (-want +got):\n%s", diff)
	}
}

// The history rows are copied by column name: the list must be the table's.
func TestHistoryColumnsAreTheTables(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, pgtest.NewDatabase(t), "")
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var columns []string
	err := pool.QueryRow(ctx, `SELECT array_agg(column_name::text ORDER BY ordinal_position)
		FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'campaign_history'`).Scan(&columns)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(columns, historyColumns); diff != "" {
		t.Errorf("columns of campaign_history (-table +historyColumns):\n%s", diff)
	}
}
