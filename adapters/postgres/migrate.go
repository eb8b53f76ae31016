// Package postgres is the embedded default event store: events in Postgres
// tables with a global order that readers never see out of order.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// VersionTable records which migrations of this package's tables (the
// event store's, the HTTP API's idempotency keys) were applied.
const VersionTable = "event_store_schema_version"

// Migrate applies this package's migrations to the database of pool (in
// the schema its search_path names). Concurrent callers are safe: tern
// holds an advisory lock while it migrates.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return MigrateFS(ctx, pool, migrations, "migrations", VersionTable)
}

// MigrateFS applies the tern migrations in dir of fsys, recording them in
// versionTable. Other packages with their own tables use it too.
func MigrateFS(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS, dir, versionTable string) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres.Migrate: %w", err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return fmt.Errorf("postgres.Migrate: %w", err)
	}
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return fmt.Errorf("postgres.Migrate: %w", err)
	}
	if err := m.LoadMigrations(sub); err != nil {
		return fmt.Errorf("postgres.Migrate: loading %s: %w", dir, err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("postgres.Migrate %s: %w", versionTable, err)
	}
	return nil
}
