package projections

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/domain"
)

// A row must hold the same time whether COPY or a JSON write put it there:
// where a batch ends decides which, and a rebuild's batches end elsewhere.
func TestCopiedTimesRoundAsPostgresReadsThemFromJSON(t *testing.T) {
	pool := pgtest.NewPool(t)
	base := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	var times []time.Time
	for _, ns := range []int{0, 1, 499, 500, 501, 999, 123_456_500, 123_457_500, 999_999_499, 999_999_500, 999_999_999} {
		times = append(times, base.Add(time.Duration(ns)), base.Add(-time.Duration(ns)))
	}
	data, err := json.Marshal(times)
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON []time.Time
	err = pool.QueryRow(context.Background(),
		`SELECT array_agg(e #>> '{}' ORDER BY o)::timestamptz[] FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, o)`, data).
		Scan(&fromJSON)
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range times {
		if got, want := roundAsFromJSON(in), fromJSON[i]; !got.Equal(want) {
			t.Errorf("%s: copied as %s, but Postgres reads the JSON as %s", in.Format(time.RFC3339Nano),
				got.Format(time.RFC3339Nano), want.UTC().Format(time.RFC3339Nano))
		}
	}
}

// The loaded copy of a row must keep what the table holds however the
// batch changes the row, or a change would go unwritten.
func TestChangedColumnsSeesChangesThroughPointersAndSlices(t *testing.T) {
	state := domain.DeviceRegisteredState
	campaign := "c1"
	loaded := &deviceRow{AccountID: "a", DeviceID: "d", Groups: []string{"g1"}, State: &state, ActiveCampaignID: &campaign}
	old := snapshot(loaded)

	*loaded.State = domain.DeviceDeregisteredState
	loaded.Groups[0] = "g2"
	loaded.ActiveCampaignID = nil

	got := changedColumns(&old, loaded)
	if want := []string{"groups", "state", "active_campaign_id"}; !slices.Equal(got, want) {
		t.Errorf("changed columns: got %v, want %v", got, want)
	}
	if same := snapshot(loaded); len(changedColumns(&same, loaded)) != 0 {
		t.Errorf("a row compared with its own copy shows changes: %v", changedColumns(&same, loaded))
	}
}
