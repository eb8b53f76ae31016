package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// apiFlags are the flags of the commands that go through the API.
type apiFlags struct {
	api, key string // override UPDATE_SERVICE_API and UPDATE_SERVICE_KEY
	limit    int
	after    string
}

// addAPIFlags adds --api, --key, --limit and --after to cmd. The
// variables are not the flags' defaults: --help would print the key.
func addAPIFlags(cmd *cobra.Command, f *apiFlags) {
	cmd.Flags().StringVar(&f.api, "api", "", "the service's base URL (default: UPDATE_SERVICE_API)")
	cmd.Flags().StringVar(&f.key, "key", "", "an API key of the account (default: UPDATE_SERVICE_KEY)")
	cmd.Flags().IntVar(&f.limit, "limit", 1000, "entries per page asked of the API (2-1000)")
	cmd.Flags().StringVar(&f.after, "after", "", "start after this position")
}

func newHistoryCommand(e *env) *cobra.Command {
	var f apiFlags
	cmd := &cobra.Command{
		Use:   "history campaign|device ID",
		Short: "Print a campaign's or a device's full event history, in order, through the API",
		Long: `history prints every event of a campaign's or a device's history, in the
global order, with its position, time, stream and revision, through the
service's history API (UPDATE_SERVICE_API, UPDATE_SERVICE_KEY).`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			s, err := parseSubject(a[0], a[1])
			if err != nil {
				return err
			}
			c, err := e.apiClient(f)
			if err != nil {
				return err
			}
			var entries []historyEntry
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			if e.output == "table" {
				fmt.Fprintln(w, "POSITION\tRECORDED_AT\tTYPE\tSTREAM\tREVISION\tDATA")
			}
			err = c.history(cmd.Context(), s, historyQuery{after: f.after, limit: f.limit}, func(_ json.RawMessage, h historyEntry) error {
				if e.output == "json" {
					entries = append(entries, h)
					return nil
				}
				_, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", h.Position, h.RecordedAt.UTC().Format(time.RFC3339Nano), h.Type, h.Stream, h.Revision, h.Data)
				return err
			})
			if err != nil {
				return err
			}
			if e.output == "json" {
				return e.printJSON(append([]historyEntry{}, entries...))
			}
			return w.Flush()
		},
	}
	addAPIFlags(cmd, &f)
	return cmd
}
