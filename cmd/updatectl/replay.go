package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/updateservice/updateservice/projections"
)

const replayLong = `replay --verify rebuilds every read model from position zero of the event
store the service uses (Postgres, or EventStoreDB when EVENTSTORE_URL is set)
into a scratch schema, up to the live projection runner's checkpoint, and
compares each read-model table with the live one, row by row and column by
column: campaigns, campaign_counters, campaign_device_metadata,
campaign_statistics, campaign_event_types, devices and manifests. The
checkpoints, the quarantines, event_source and the migrations' version table
are bookkeeping that no event determines, and are not compared.

The live tables are read in one snapshot taken with the checkpoint they
reflect, so the service keeps running undisturbed. Each difference is
printed (table, key, column, live value, rebuilt value); the exit code is 1
when there is any. The scratch schema is dropped at the end.`

// replayFlags are replay's options.
type replayFlags struct {
	verify    bool
	batchSize int
	schema    string
	max       int
}

func newReplayCommand(e *env) *cobra.Command {
	var f replayFlags
	cmd := &cobra.Command{
		Use:   "replay --verify",
		Short: "Rebuild the read models into a scratch schema and compare them with the live ones",
		Long:  replayLong,
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !f.verify {
				return usagef("replay needs --verify (to replace the live read models, see updatectl rebuild)")
			}
			return e.verify(cmd, f)
		},
	}
	cmd.Flags().BoolVar(&f.verify, "verify", false, "compare the rebuilt read models with the live ones (required)")
	cmd.Flags().IntVar(&f.batchSize, "batch-size", projections.DefaultBatchSize, "events applied per transaction while rebuilding")
	cmd.Flags().StringVar(&f.schema, "schema", "", "name of the scratch schema (default updatectl_verify_<time>)")
	cmd.Flags().IntVar(&f.max, "max-differences", 1000, "print at most this many differences (all are counted)")
	return cmd
}

// verifyReport is replay --verify's JSON output.
type verifyReport struct {
	Position    string                   `json:"position"`
	Differences int                      `json:"differences"`
	Shown       []projections.Difference `json:"shown"`
}

func (e *env) verify(cmd *cobra.Command, f replayFlags) error {
	ctx := cmd.Context()
	pool, store, closeAll, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	progress, done := e.progress("rebuilding")
	opts := projections.BuildOptions{Schema: f.schema, BatchSize: f.batchSize, Progress: progress}
	if opts.Schema == "" {
		opts.Schema = "updatectl_verify_" + time.Now().UTC().Format("20060102150405")
	}
	var shown []projections.Difference
	v, err := projections.Verify(ctx, pool, store, opts, func(d projections.Difference) error {
		if len(shown) < f.max {
			shown = append(shown, d)
		}
		return nil
	})
	done()
	if err != nil {
		return err
	}
	if e.output == "json" {
		err = e.printJSON(verifyReport{Position: v.Position.String(), Differences: v.Differences, Shown: append([]projections.Difference{}, shown...)})
	} else {
		err = e.printDifferences(v, shown)
	}
	if err != nil {
		return err
	}
	if v.Differences > 0 {
		return errDifferences
	}
	return nil
}

// printDifferences writes the differences as a table, then a summary.
func (e *env) printDifferences(v projections.Verification, shown []projections.Difference) error {
	if len(shown) > 0 {
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "TABLE\tKEY\tCOLUMN\tLIVE\tREBUILT")
		for _, d := range shown {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", d.Table, d.Key, d.Column, d.Live, d.Rebuilt)
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	switch {
	case v.Differences == 0:
		fmt.Fprintf(e.stdout, "the read models equal a rebuild from the events up to position %s\n", v.Position)
	case v.Differences > len(shown):
		fmt.Fprintf(e.stdout, "%d differences at position %s (%d shown; see --max-differences)\n", v.Differences, v.Position, len(shown))
	default:
		fmt.Fprintf(e.stdout, "%d differences at position %s\n", v.Differences, v.Position)
	}
	return nil
}
