package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/internal/wiring"
	"github.com/updateservice/updateservice/projections"
)

// quarantineUsage says what the quarantine subcommand takes.
const quarantineUsage = `usage: updated quarantine list
       updated quarantine retry ID|--all
ID is an event's position or a campaign's id, as list shows them.`

// quarantineCommand is what an operator does with the quarantine, on the
// service's database (the same DB_URL settings): list what the projection
// runner and the campaign engine quarantined, and mark entries for retry
// once their cause is fixed. A running service applies (or drives) the
// marked entries within a few seconds; one that fails again stays, with
// the new reason.
func quarantineCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] == "list" && len(args) != 1) || (args[0] == "retry" && len(args) != 2) ||
		(args[0] != "list" && args[0] != "retry") {
		return fmt.Errorf("%s", quarantineUsage)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, cfg.databaseURL())
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer pool.Close()
	queries := projections.NewQueries(pool)
	if args[0] == "list" {
		return listQuarantine(ctx, queries, stdout)
	}
	id := args[1]
	if id == "--all" {
		id = ""
	}
	n, err := queries.RequestRetry(ctx, id)
	if err != nil {
		return fmt.Errorf("quarantine retry: %w", err)
	}
	fmt.Fprintln(stdout, wiring.RetryMessage(n, "updated"))
	return nil
}

// listQuarantine prints the quarantine, one entry a line.
func listQuarantine(ctx context.Context, queries *projections.Queries, stdout io.Writer) error {
	entries, err := queries.Quarantine(ctx)
	if err != nil {
		return fmt.Errorf("quarantine list: %w", err)
	}
	return wiring.PrintQuarantine(stdout, entries)
}
