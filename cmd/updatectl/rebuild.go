package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/updateservice/updateservice/projections"
)

const rebuildLong = `rebuild builds fresh read models from position zero of the event store
into a scratch schema while the service keeps running, then swaps them in
for the live ones in one transaction: readers see the old tables until the
swap and the new ones after it, never an empty or half-built table, and the
live projection runner goes on from its checkpoint on the new tables. The
runner waits during the swap only (it holds the runner's checkpoint row).
The quarantined events of the runner are replaced by the rebuild's.

Run it as the database role that owns the read models: the new tables
belong to the role that builds them.`

// rebuildReport is rebuild's JSON output.
type rebuildReport struct {
	Position string  `json:"position"`
	Seconds  float64 `json:"seconds"`
}

func newRebuildCommand(e *env) *cobra.Command {
	var batchSize int
	var schema string
	cmd := &cobra.Command{
		Use:   "rebuild",
		Short: "Rebuild the read models from the events and swap them in while the service runs",
		Long:  rebuildLong,
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			pool, store, closeAll, err := e.openStore(ctx)
			if err != nil {
				return err
			}
			defer closeAll()
			if schema == "" {
				schema = "updatectl_rebuild_" + time.Now().UTC().Format("20060102150405")
			}
			progress, done := e.progress("rebuilding")
			began := time.Now()
			pos, err := projections.Rebuild(ctx, pool, store, projections.BuildOptions{Schema: schema, BatchSize: batchSize, Progress: progress})
			done()
			if err != nil {
				return err
			}
			took := time.Since(began)
			if e.output == "json" {
				return e.printJSON(rebuildReport{Position: pos.String(), Seconds: took.Seconds()})
			}
			_, err = fmt.Fprintf(e.stdout, "the read models were rebuilt and swapped in at position %s in %s\n", pos, took.Round(time.Millisecond))
			return err
		},
	}
	cmd.Flags().IntVar(&batchSize, "batch-size", projections.DefaultBatchSize, "events applied per transaction while rebuilding")
	cmd.Flags().StringVar(&schema, "schema", "", "name of the scratch schema (default updatectl_rebuild_<time>)")
	return cmd
}
