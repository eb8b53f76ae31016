package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// exportProblem is something verify-export found wrong with an export.
type exportProblem struct {
	Position string `json:"position"`
	Problem  string `json:"problem"`
}

func newVerifyExportCommand(e *env) *cobra.Command {
	var f apiFlags
	var live bool
	cmd := &cobra.Command{
		Use:   "verify-export FILE",
		Short: "Check an export from the file alone: its order, and its counters recounted",
		Long: `verify-export checks a file that export wrote, without the service: its events
are in strictly increasing positions and each stream's revisions increase; for
a campaign, it recounts the counters from the events with the read models' own
counting and compares the metrics with those of the header, naming each that
differs. It prints the recounted counters. With --compare-live it also reads
the same history through the API (--api, --key) and compares every event up to
the file's last position, field by field; events recorded later are not
differences. Exit code 1 when anything differs or is out of order.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			header, entries, err := readExport(a[0])
			if err != nil {
				return err
			}
			check := exportCheck{Events: len(entries), Problems: checkOrder(entries)}
			if header.Of == "campaign" && header.Metrics != nil {
				counters, problems, err := recount(header, entries)
				if err != nil {
					return fmt.Errorf("%s: %w", a[0], err)
				}
				check.Counters, check.Problems = counters, append(check.Problems, problems...)
			}
			if live {
				c, err := e.apiClient(f)
				if err != nil {
					return err
				}
				problems, err := compareLive(cmd.Context(), c, header, entries, f.limit)
				if err != nil {
					return err
				}
				check.Problems = append(check.Problems, problems...)
			}
			return e.printExportCheck(check)
		},
	}
	addAPIFlags(cmd, &f)
	cmd.Flags().BoolVar(&live, "compare-live", false, "also compare the events with the service's history (needs --api and --key)")
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
