package main

import (
	"fmt"
	"text/tabwriter"
)

// exportCheck is what verify-export found: problems of order and of
// decoding, and for a campaign the recounted counters.
type exportCheck struct {
	Events   int             `json:"events"`
	Problems []exportProblem `json:"problems"`
	Counters *exportCounters `json:"counters,omitempty"`
}

// failed reports whether the export is to be refused.
func (c exportCheck) failed() bool {
	return len(c.Problems) > 0 || (c.Counters != nil && len(c.Counters.Differences) > 0)
}

// printExportCheck prints the check, and fails when anything differs or
// is out of order.
func (e *env) printExportCheck(c exportCheck) error {
	if c.Problems == nil {
		c.Problems = []exportProblem{}
	}
	var err error
	if e.output == "json" {
		err = e.printJSON(c)
	} else {
		err = e.printExportTable(c)
	}
	if err != nil {
		return err
	}
	if c.failed() {
		return errExportProblems
	}
	return nil
}

func (e *env) printExportTable(c exportCheck) error {
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	if len(c.Problems) > 0 {
		fmt.Fprintln(w, "POSITION\tPROBLEM")
		for _, p := range c.Problems {
			fmt.Fprintf(w, "%s\t%s\n", p.Position, p.Problem)
		}
		fmt.Fprintln(w)
	}
	differing := 0
	if k := c.Counters; k != nil {
		fmt.Fprintln(w, "COUNTER\tRECOMPUTED")
		for _, n := range counterList(k.Counters) {
			fmt.Fprintf(w, "%s\t%d\n", n.Name, n.Count)
		}
		fmt.Fprintf(w, "updated_at\t%s\n\n", show(k.Counters.UpdatedAt))
		for _, d := range k.Differences {
			fmt.Fprintf(w, "%s differs:\theader %s, recomputed %s\n", d.Counter, d.Header, d.Recomputed)
		}
		differing = len(k.Differences)
	}
	fmt.Fprintf(w, "%d events checked, %d problems, %d counters differ\n", c.Events, len(c.Problems), differing)
	return w.Flush()
}
