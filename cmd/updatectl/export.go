package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// exportHeader is the first line of an export: whose history it is and
// where it came from, so verify-export can read it again.
type exportHeader struct {
	Object     string    `json:"object"` // exportObject
	Of         string    `json:"of"`     // campaign or device
	ID         string    `json:"id"`
	API        string    `json:"api"`
	ExportedAt time.Time `json:"exported_at"`
}

const exportObject = "update-event-export"

func newExportCommand(e *env) *cobra.Command {
	var f apiFlags
	var file string
	cmd := &cobra.Command{
		Use:   "export campaign|device ID",
		Short: "Write a campaign's or a device's event history to NDJSON, for audits",
		Long: `export writes a campaign's or a device's full event history, read through the
service's history API, as NDJSON: a header line (whose history, from which API,
when), then each event as the API gave it, in order. verify-export checks such
a file later.`,
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
			out := e.stdout
			if file != "" && file != "-" {
				fh, err := os.Create(file)
				if err != nil {
					return err
				}
				defer fh.Close()
				out = fh
			}
			w := bufio.NewWriter(out)
			n, err := export(cmd, c, s, f, w)
			if err = joinFirst(err, w.Flush()); err != nil {
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

// export writes the header and every entry, one a line.
func export(cmd *cobra.Command, c apiClient, s subject, f apiFlags, w io.Writer) (int, error) {
	header, err := json.Marshal(exportHeader{Object: exportObject, Of: s.Kind, ID: s.ID, API: c.base, ExportedAt: time.Now().UTC()})
	if err != nil {
		return 0, err
	}
	if _, err := fmt.Fprintf(w, "%s\n", header); err != nil {
		return 0, err
	}
	n := 0
	err = c.history(cmd.Context(), s, f.after, f.limit, func(raw json.RawMessage, _ historyEntry) error {
		var line bytes.Buffer
		if err := json.Compact(&line, raw); err != nil {
			return err
		}
		line.WriteByte('\n')
		n++
		_, err := w.Write(line.Bytes())
		return err
	})
	return n, err
}

func joinFirst(first, second error) error {
	if first != nil {
		return first
	}
	return second
}
