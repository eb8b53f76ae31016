package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"net/url"
	"time"
)

// exporter writes a history's entries and reads the counters that go
// with exactly those entries.
type exporter struct {
	c     apiClient
	s     subject
	w     *bufio.Writer
	limit int
	last  string    // the position of the last entry written, or --after
	asOf  time.Time // the latest recorded_at written
	n     int
}

// exportRounds bounds how often export reads again the events a running
// campaign recorded up to as_of but committed after the first read.
const exportRounds = 5

// export writes every entry and returns the header that goes with them:
// for a whole campaign, its metrics as of the latest recorded_at written.
// as_of counts by recorded time, not by position, and a transaction can
// commit after a later one: the events recorded by then that the first
// read missed are read until there are none, so that the file holds every
// event the metrics count, and only those.
func (x *exporter) export(ctx context.Context) (exportHeader, error) {
	header := exportHeader{Object: exportObject, Of: x.s.Kind, ID: x.s.ID, After: x.last}
	if err := x.read(ctx, historyQuery{after: x.last, limit: x.limit}); err != nil {
		return header, err
	}
	if x.s.Kind != "campaign" || header.After != "" || x.n == 0 {
		return header, nil
	}
	for range exportRounds {
		var metrics json.RawMessage
		q := url.Values{"as_of": {x.asOf.UTC().Format(time.RFC3339Nano)}}
		if err := x.c.get(ctx, "/v3/update-campaigns/"+url.PathEscape(x.s.ID)+"/metrics", q, &metrics); err != nil {
			return header, err
		}
		before := x.n
		if err := x.read(ctx, historyQuery{after: x.last, to: x.asOf, limit: x.limit}); err != nil {
			return header, err
		}
		if x.n == before {
			var compact bytes.Buffer
			if err := json.Compact(&compact, metrics); err != nil {
				return header, err
			}
			at := x.asOf.UTC()
			header.AsOf, header.Metrics = &at, compact.Bytes()
			return header, nil
		}
	}
	return header, fmt.Errorf("campaign %s: events recorded up to %s kept arriving while it was exported: export it again", x.s.ID, x.asOf.Format(time.RFC3339Nano))
}

// read writes the entries q keeps, one a line.
func (x *exporter) read(ctx context.Context, q historyQuery) error {
	return x.c.history(ctx, x.s, q, func(raw json.RawMessage, h historyEntry) error {
		if err := writeLine(x.w, raw); err != nil {
			return err
		}
		x.n++
		x.last = h.Position
		if h.RecordedAt.After(x.asOf) {
			x.asOf = h.RecordedAt
		}
		return nil
	})
}
