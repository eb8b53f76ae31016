package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// scratch is a schema next to the live read models where a runner builds
// them apart from the live ones, for a verification or a rebuild.
type scratch struct {
	schema string
	pool   *pgxpool.Pool // search_path: schema only, so the runner writes there
	live   *pgxpool.Pool
}

// newScratch creates schema with fresh read-model tables, on live's
// database and with live's settings.
func newScratch(ctx context.Context, live *pgxpool.Pool, schema string) (*scratch, error) {
	if _, err := live.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return nil, fmt.Errorf("creating scratch schema %s: %w", schema, err)
	}
	s := &scratch{schema: schema, live: live}
	cfg := live.Config().Copy()
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return s, err
	}
	s.pool = pool
	return s, Migrate(ctx, pool)
}

// drop removes the schema and whatever is left in it. It runs after the
// caller's context may have ended, so it has a context of its own.
func (s *scratch) drop() error {
	if s.pool != nil {
		s.pool.Close()
	}
	_, err := s.live.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{s.schema}.Sanitize()+" CASCADE")
	if err != nil {
		return fmt.Errorf("dropping scratch schema %s: %w", s.schema, err)
	}
	return nil
}

// currentSchema is the schema the pool's read models are in: the first
// existing one of its search_path.
func currentSchema(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (string, error) {
	var schema *string
	if err := q.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", err
	}
	if schema == nil {
		return "", fmt.Errorf("the search_path names no existing schema")
	}
	return *schema, nil
}
