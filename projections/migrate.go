package projections

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// VersionTable records which read-model migrations were applied. It lives
// in the same schema as the read models, apart from the event store's.
const VersionTable = "readmodel_schema_version"

// plainIdentifier matches schema names that need no quoting.
var plainIdentifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Migrate creates or upgrades the read-model tables in the first existing
// schema of pool's search_path, so a rebuild can target a fresh schema by
// giving its pool another search_path. Concurrent callers are safe: tern
// holds an advisory lock while it migrates.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("projections.Migrate: %w", err)
	}
	defer conn.Release()
	// Qualify the version table with the target schema: unqualified, tern
	// would find another schema's version table on the search_path and
	// consider the fresh schema migrated.
	var schema *string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("projections.Migrate: %w", err)
	}
	if schema == nil {
		return fmt.Errorf("projections.Migrate: the search_path names no existing schema")
	}
	versionTable := *schema + "." + VersionTable
	if !plainIdentifier.MatchString(*schema) {
		versionTable = pgx.Identifier{*schema, VersionTable}.Sanitize()
	}
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return fmt.Errorf("projections.Migrate: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("projections.Migrate: %w", err)
	}
	if err := m.LoadMigrations(sub); err != nil {
		return fmt.Errorf("projections.Migrate: loading migrations: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("projections.Migrate: %w", err)
	}
	return nil
}
