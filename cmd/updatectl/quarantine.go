package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/updateservice/updateservice/internal/wiring"
	"github.com/updateservice/updateservice/projections"
)

func newQuarantineCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "quarantine",
		Short: "List the quarantined events and campaigns, or mark them for retry",
		Long: `quarantine does what bin/updated quarantine does: list shows what the projection
runner and the campaign engine quarantined; retry ID (or --all) marks entries
for retry once their cause is fixed, and the running service retries them
within a few seconds.`,
		Args: args(cobra.NoArgs),
	}
	cmd.AddCommand(newQuarantineListCommand(e), newQuarantineRetryCommand(e))
	return cmd
}

// quarantinedJSON is an entry of quarantine list's JSON output.
type quarantinedJSON struct {
	ID             string     `json:"id"`
	Runner         string     `json:"runner"`
	What           string     `json:"what"`
	Reason         string     `json:"reason"`
	QuarantinedAt  time.Time  `json:"quarantined_at"`
	RetryRequested *time.Time `json:"retry_requested_at"`
}

func newQuarantineListCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the quarantine: an event's position or a campaign's id, the runner, what, when and why",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pool, err := e.openDatabase(cmd.Context())
			if err != nil {
				return err
			}
			defer pool.Close()
			entries, err := projections.NewQueries(pool).Quarantine(cmd.Context())
			if err != nil {
				return fmt.Errorf("quarantine list: %w", err)
			}
			if e.output == "table" {
				return wiring.PrintQuarantine(e.stdout, entries)
			}
			out := make([]quarantinedJSON, len(entries))
			for i, q := range entries {
				out[i] = quarantinedJSON{ID: q.ID, Runner: q.Runner, What: q.What, Reason: q.Reason, QuarantinedAt: q.At.UTC()}
				if !q.RetryRequested.IsZero() {
					at := q.RetryRequested.UTC()
					out[i].RetryRequested = &at
				}
			}
			return e.printJSON(out)
		},
	}
}

func newQuarantineRetryCommand(e *env) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "retry ID|--all",
		Short: "Mark a quarantined event (by position) or campaign (by id), or all, for retry",
		Args: args(func(cmd *cobra.Command, a []string) error {
			if all == (len(a) == 1) || len(a) > 1 {
				return fmt.Errorf("give one ID or --all")
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, a []string) error {
			id := ""
			if !all {
				id = a[0]
			}
			pool, err := e.openDatabase(cmd.Context())
			if err != nil {
				return err
			}
			defer pool.Close()
			n, err := projections.NewQueries(pool).RequestRetry(cmd.Context(), id)
			if err != nil {
				return fmt.Errorf("quarantine retry: %w", err)
			}
			if e.output == "json" {
				return e.printJSON(map[string]int{"marked": n})
			}
			_, err = fmt.Fprintln(e.stdout, wiring.RetryMessage(n, "updatectl"))
			return err
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "mark every entry")
	return cmd
}
