package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// counterDifference is a metric whose value in the export's header differs
// from the one recounted from its events.
type counterDifference struct {
	Counter    string `json:"counter"`
	Header     string `json:"header"`
	Recomputed string `json:"recomputed"`
}

// recount folds the export's events with the read models' own counting
// (projections.CounterFold) and compares the metrics with the header's.
// An event the fold refuses is a problem at its position.
func recount(header exportHeader, entries []historyEntry) (*exportCounters, []exportProblem, error) {
	var want projections.Metrics
	if err := json.Unmarshal(header.Metrics, &want); err != nil {
		return nil, nil, fmt.Errorf("the header's metrics: %w", err)
	}
	fold := projections.NewCounterFold(domain.CampaignID(header.ID))
	var problems []exportProblem
	for _, h := range entries {
		if err := fold.Apply(recordOf(h)); err != nil {
			problems = append(problems, exportProblem{h.Position, err.Error()})
		}
	}
	k := fold.Counters()
	got := k.Metrics()
	got.At = got.At.UTC()
	out := &exportCounters{AsOf: header.AsOf, Counters: k, Metrics: got, Differences: []counterDifference{}}
	wantV, gotV := reflect.ValueOf(want), reflect.ValueOf(got)
	for i := range wantV.NumField() {
		w, g := show(wantV.Field(i).Interface()), show(gotV.Field(i).Interface())
		if w != g {
			name := wantV.Type().Field(i).Tag.Get("json")
			out.Differences = append(out.Differences, counterDifference{Counter: name, Header: w, Recomputed: g})
		}
	}
	return out, problems, nil
}

// show writes a metric's value, a time as the API writes it.
func show(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// recordOf is an exported entry as the event store gave it to the API.
func recordOf(h historyEntry) eventstore.RecordedEvent {
	pos, _ := eventstore.ParsePosition(h.Position) // checkOrder reports a malformed one
	return eventstore.RecordedEvent{Stream: h.Stream, Revision: h.Revision, Position: pos, Type: h.Type, Data: h.Data,
		Metadata: eventstore.Metadata{AccountID: h.AccountID, CorrelationID: h.CorrelationID, CausationID: h.CausationID},
		Created:  h.RecordedAt}
}

// exportCounters are the counters recounted from an export, and how its
// header's metrics differ from them.
type exportCounters struct {
	AsOf        *time.Time           `json:"as_of"`
	Counters    projections.Counters `json:"-"`
	Metrics     projections.Metrics  `json:"metrics"`
	Differences []counterDifference  `json:"differences"`
}

// namedCount is one counter, named by its campaign_counters column.
type namedCount struct {
	Name  string
	Count int64
}

// counterList lists the counters in campaign_counters' column order, named
// by their columns (the db tags of projections.Counters).
func counterList(k projections.Counters) []namedCount {
	var out []namedCount
	v := reflect.ValueOf(k)
	for i := range v.NumField() {
		if n, ok := v.Field(i).Interface().(int64); ok {
			out = append(out, namedCount{v.Type().Field(i).Tag.Get("db"), n})
		}
	}
	return out
}

// MarshalJSON writes the counters by column name, with the metrics and
// differences.
func (c *exportCounters) MarshalJSON() ([]byte, error) {
	counters := map[string]any{"updated_at": c.Counters.UpdatedAt.UTC()}
	for _, n := range counterList(c.Counters) {
		counters[n.Name] = n.Count
	}
	type plain exportCounters
	return json.Marshal(struct {
		*plain
		Counters map[string]any `json:"counters"`
	}{(*plain)(c), counters})
}
