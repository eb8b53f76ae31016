package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// exportHeader is the first line of an export: whose history it is, where
// it came from and, for a whole campaign, the counters the service showed
// for exactly the exported events, so that verify-export can recount them
// from the file alone. It holds no export time: two exports of a finished
// campaign are the same bytes.
type exportHeader struct {
	Object string `json:"object"` // exportObject
	Of     string `json:"of"`     // campaign or device
	ID     string `json:"id"`
	API    string `json:"api"`
	// After is where a partial export (--after) starts; such an export
	// carries no counters.
	After string `json:"after,omitempty"`
	// AsOf is the latest recorded_at of the exported events: the file
	// holds every event of the campaign recorded up to it, and Metrics are
	// GET /v3/update-campaigns/{id}/metrics?as_of=AsOf as the API answered.
	AsOf    *time.Time      `json:"as_of,omitempty"`
	Metrics json.RawMessage `json:"metrics,omitempty"`
}

const exportObject = "update-event-export"

func newExportCommand(e *env) *cobra.Command {
	var f apiFlags
	var file string
	cmd := &cobra.Command{
		Use:   "export campaign|device ID",
		Short: "Write a campaign's or a device's event history to NDJSON, for archiving",
		Long: `export writes a campaign's or a device's full event history, read through the
service's history API, as NDJSON: a header line, then each event as the API gave
it, in order. A campaign's header holds its metrics as the service showed them
for exactly the exported events (metrics?as_of= the latest recorded_at of the
file); verify-export recounts them from the file alone. Two exports of a
finished campaign are byte-identical.`,
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
			n, err := writeExport(cmd.Context(), c, s, f, file, e.stdout)
			if err != nil {
				return err
			}
			if file != "" && file != "-" {
				fmt.Fprintf(e.stderr, "exported %d events of %s %s to %s\n", n, s.Kind, s.ID, file)
			}
			return nil
		},
	}
	addAPIFlags(cmd, &f)
	cmd.Flags().StringVarP(&file, "file", "f", "-", "write to this file (-: standard output)")
	return cmd
}

// writeExport exports s to file (or stdout). The events go to a scratch
// file first: the header, written first, depends on the last of them.
func writeExport(ctx context.Context, c apiClient, s subject, f apiFlags, file string, stdout io.Writer) (int, error) {
	scratch, err := os.CreateTemp("", "updatectl-export-*.ndjson")
	if err != nil {
		return 0, err
	}
	defer os.Remove(scratch.Name())
	defer scratch.Close()
	x := exporter{c: c, s: s, w: bufio.NewWriter(scratch), limit: f.limit, last: f.after}
	header, err := x.export(ctx)
	if err = joinFirst(err, x.w.Flush()); err != nil {
		return 0, err
	}
	header.API = c.base
	out := stdout
	if file != "" && file != "-" {
		fh, err := os.Create(file)
		if err != nil {
			return 0, err
		}
		defer fh.Close()
		out = fh
	}
	line, err := json.Marshal(header)
	if err != nil {
		return 0, err
	}
	if _, err := fmt.Fprintf(out, "%s\n", line); err != nil {
		return 0, err
	}
	if _, err := scratch.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	if _, err := io.Copy(out, scratch); err != nil {
		return 0, err
	}
	if fh, ok := out.(*os.File); ok && fh != os.Stdout {
		return x.n, fh.Sync()
	}
	return x.n, nil
}

func joinFirst(first, second error) error {
	if first != nil {
		return first
	}
	return second
}

// writeLine writes an entry as the API gave it, compacted, on one line.
func writeLine(w io.Writer, raw json.RawMessage) error {
	var line bytes.Buffer
	if err := json.Compact(&line, raw); err != nil {
		return err
	}
	line.WriteByte('\n')
	_, err := w.Write(line.Bytes())
	return err
}
