package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// compareLive reads the export's history again through the API and
// compares every event up to the file's last position, field by field.
// Events recorded after the export are not differences.
func compareLive(ctx context.Context, c apiClient, header exportHeader, entries []historyEntry, limit int) ([]exportProblem, error) {
	live := map[string]historyEntry{}
	var order []string
	last := ""
	if len(entries) > 0 {
		last = entries[len(entries)-1].Position
	}
	err := c.history(ctx, subject{Kind: header.Of, ID: header.ID}, historyQuery{after: header.After, limit: limit}, func(_ json.RawMessage, h historyEntry) error {
		if last != "" && !positionAfter(h.Position, last) {
			live[h.Position] = h
			order = append(order, h.Position)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return compareExport(entries, live, order), nil
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
