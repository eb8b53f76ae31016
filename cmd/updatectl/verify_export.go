package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// exportProblem is something verify-export found wrong with an export.
type exportProblem struct {
	Position string `json:"position"`
	Problem  string `json:"problem"`
}

func newVerifyExportCommand(e *env) *cobra.Command {
	var f apiFlags
	cmd := &cobra.Command{
		Use:   "verify-export FILE",
		Short: "Check an export against itself and against the service's history",
		Long: `verify-export checks a file that export wrote: its events are in strictly
increasing positions and each stream's revisions increase; then it reads the
same history again through the API and compares every event up to the file's
last position, field by field. Events recorded after the export are not
differences. Every problem is printed; the exit code is 1 when there is any.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			header, entries, err := readExport(a[0])
			if err != nil {
				return err
			}
			c, err := e.apiClient(f)
			if err != nil {
				return err
			}
			problems := checkOrder(entries)
			live := map[string]historyEntry{}
			var order []string
			last := ""
			if len(entries) > 0 {
				last = entries[len(entries)-1].Position
			}
			err = c.history(cmd.Context(), subject{Kind: header.Of, ID: header.ID}, "", f.limit, func(_ json.RawMessage, h historyEntry) error {
				if last != "" && !positionAfter(h.Position, last) {
					live[h.Position] = h
					order = append(order, h.Position)
				}
				return nil
			})
			if err != nil {
				return err
			}
			problems = append(problems, compareExport(entries, live, order)...)
			return e.printExportCheck(len(entries), problems)
		},
	}
	addAPIFlags(cmd, &f)
	return cmd
}

// readExport reads an export file: its header and its entries.
func readExport(path string) (exportHeader, []historyEntry, error) {
	var header exportHeader
	fh, err := os.Open(path)
	if err != nil {
		return header, nil, err
	}
	defer fh.Close()
	scanner := bufio.NewScanner(fh)
	scanner.Buffer(make([]byte, 64<<10), 16<<20)
	if !scanner.Scan() || json.Unmarshal(scanner.Bytes(), &header) != nil || header.Object != exportObject {
		return header, nil, fmt.Errorf("%s: not an export of updatectl (its first line is not the export header)", path)
	}
	if _, err := parseSubject(header.Of, header.ID); err != nil {
		return header, nil, fmt.Errorf("%s: header: %w", path, err)
	}
	var entries []historyEntry
	for line := 2; scanner.Scan(); line++ {
		var h historyEntry
		if err := json.Unmarshal(scanner.Bytes(), &h); err != nil {
			return header, nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		entries = append(entries, h)
	}
	return header, entries, scanner.Err()
}

// checkOrder finds positions that do not increase and stream revisions
// that do not increase: an edited or spliced file.
func checkOrder(entries []historyEntry) []exportProblem {
	var problems []exportProblem
	revisions := map[string]uint64{}
	for i, h := range entries {
		if i > 0 && !positionAfter(h.Position, entries[i-1].Position) {
			problems = append(problems, exportProblem{h.Position, "position not after the previous event's " + entries[i-1].Position})
		}
		if r, seen := revisions[h.Stream]; seen && h.Revision <= r {
			problems = append(problems, exportProblem{h.Position, fmt.Sprintf("revision %d of %s after revision %d", h.Revision, h.Stream, r)})
		}
		revisions[h.Stream] = h.Revision
	}
	return problems
}

// compareExport compares the file's entries with the service's, up to
// the file's last position.
func compareExport(entries []historyEntry, live map[string]historyEntry, order []string) []exportProblem {
	var problems []exportProblem
	inFile := map[string]bool{}
	for _, h := range entries {
		inFile[h.Position] = true
		l, ok := live[h.Position]
		if !ok {
			problems = append(problems, exportProblem{h.Position, "in the file, not in the service's history"})
			continue
		}
		for _, field := range differingFields(h, l) {
			problems = append(problems, exportProblem{h.Position, field})
		}
	}
	for _, p := range order {
		if !inFile[p] {
			problems = append(problems, exportProblem{p, "in the service's history (" + live[p].Type + "), missing from the file"})
		}
	}
	return problems
}

// differingFields names each field in which the file's entry differs
// from the service's, with both values.
func differingFields(file, live historyEntry) []string {
	var out []string
	diff := func(name, f, l string) {
		if f != l {
			out = append(out, fmt.Sprintf("%s differs: file %s, service %s", name, f, l))
		}
	}
	diff("type", file.Type, live.Type)
	diff("stream", file.Stream, live.Stream)
	diff("revision", strconv.FormatUint(file.Revision, 10), strconv.FormatUint(live.Revision, 10))
	diff("recorded_at", file.RecordedAt.UTC().String(), live.RecordedAt.UTC().String())
	diff("account_id", file.AccountID, live.AccountID)
	diff("correlation_id", file.CorrelationID, live.CorrelationID)
	diff("causation_id", file.CausationID, live.CausationID)
	diff("data", compactJSON(file.Data), compactJSON(live.Data))
	return out
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// positionAfter reports whether position a comes after b; positions are
// "commit" or "commit/prepare", compared by commit, then prepare.
func positionAfter(a, b string) bool {
	ac, ap := splitPosition(a)
	bc, bp := splitPosition(b)
	return ac > bc || (ac == bc && ap > bp)
}

func splitPosition(p string) (uint64, uint64) {
	commit, prepare, found := strings.Cut(p, "/")
	c, _ := strconv.ParseUint(commit, 10, 64)
	if !found {
		return c, c
	}
	pr, _ := strconv.ParseUint(prepare, 10, 64)
	return c, pr
}

// printExportCheck prints the problems, and fails when there is any.
func (e *env) printExportCheck(n int, problems []exportProblem) error {
	if e.output == "json" {
		if err := e.printJSON(map[string]any{"events": n, "problems": append([]exportProblem{}, problems...)}); err != nil {
			return err
		}
	} else {
		if len(problems) > 0 {
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "POSITION\tPROBLEM")
			for _, p := range problems {
				fmt.Fprintf(w, "%s\t%s\n", p.Position, p.Problem)
			}
			if err := w.Flush(); err != nil {
				return err
			}
		}
		fmt.Fprintf(e.stdout, "%d events checked, %d problems\n", n, len(problems))
	}
	if len(problems) > 0 {
		return errExportProblems
	}
	return nil
}
