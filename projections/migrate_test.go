package projections

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// Migrate is idempotent, and migrates a fresh schema even when a schema
// later on the search_path already has the read models: the version table
// is the target schema's own.
func TestMigrateTargetsTheFirstSchemaOfTheSearchPath(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	public := newPool(t, url, "")
	for range 2 {
		if err := Migrate(ctx, public); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := public.Exec(ctx, `CREATE SCHEMA fresh`); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, newPool(t, url, "fresh, public")); err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := public.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'fresh'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if want := 21; tables != want { // 14 read models, the checkpoints, the event source, the two quarantines, the history backfill, the webhook outbox, the version table
		t.Errorf("schema fresh has %d tables, want %d", tables, want)
	}
}

// The row types name exactly the columns of their tables, in the
// migration's order: a column missing from a struct would be written NULL.
func TestRowTypesMatchTheirTables(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, pgtest.NewDatabase(t), "")
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	for _, spec := range []*tableSpec{campaignsTable, metadataTable, devicesTable, manifestsTable, webhooksTable} {
		var columns []string
		err := pool.QueryRow(ctx, `SELECT array_agg(column_name::text ORDER BY ordinal_position)
			FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`, spec.name).Scan(&columns)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(columns, spec.columns); diff != "" {
			t.Errorf("columns of %s (-table +row type):\n%s", spec.name, diff)
		}
	}
}

func newPool(t *testing.T, url, searchPath string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	if searchPath != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = searchPath
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
