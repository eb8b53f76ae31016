package wiring

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/updateservice/updateservice/projections"
)

// PrintQuarantine writes the quarantine as a table, one entry a line: an
// event's position or a campaign's id (what `quarantine retry` takes),
// the runner, what it is, when, whether a retry was asked for, and why.
func PrintQuarantine(w io.Writer, entries []projections.Quarantined) error {
	if len(entries) == 0 {
		_, err := fmt.Fprintln(w, "the quarantine is empty")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRUNNER\tWHAT\tQUARANTINED\tRETRY\tREASON")
	for _, e := range entries {
		retry := "-"
		if !e.RetryRequested.IsZero() {
			retry = "requested " + e.RetryRequested.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Runner, e.What, e.At.UTC().Format(time.RFC3339), retry, e.Reason)
	}
	return tw.Flush()
}

// RetryMessage says what marking n entries for retry does; tool names the
// command that lists the quarantine.
func RetryMessage(n int, tool string) string {
	return fmt.Sprintf("%d marked for retry: the service retries them within a few seconds (see `%s quarantine list` and /readyz)", n, tool)
}
