package postgres

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// The one statement writes an append of several events per stream itself:
// a wrong revision would fail on the unique constraints and be written
// again in a transaction, correct but slower, which the contract cannot
// tell from the statement's own write.
func TestOneStatementWritesSeveralEventsPerStream(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	events := func(n int) []eventstore.EventData {
		out := make([]eventstore.EventData, n)
		for i := range out {
			out[i] = eventstore.EventData{ID: uuid.New(), Type: "Happened", Data: []byte(`{}`)}
		}
		return out
	}
	for _, step := range []struct {
		requests []eventstore.AppendRequest
		want     []uint64 // NextExpected per request
	}{
		{[]eventstore.AppendRequest{{Stream: "s-a", Expected: eventstore.NoStream, Events: events(3)},
			{Stream: "s-b", Expected: eventstore.NoStream, Events: events(2)}}, []uint64{2, 1}},
		{[]eventstore.AppendRequest{{Stream: "s-a", Expected: eventstore.Exact(2), Events: events(2)},
			{Stream: "s-b", Expected: eventstore.Any, Events: events(1)}}, []uint64{4, 2}},
	} {
		results, ok, err := appendOneStatement(ctx, pool, step.requests)
		if err != nil || !ok {
			t.Fatalf("appendOneStatement: ok %v, error %v; want it written", ok, err)
		}
		var got []uint64
		for _, r := range results {
			got = append(got, r.NextExpected)
		}
		if !slices.Equal(got, step.want) {
			t.Errorf("next expected revisions %v, want %v", got, step.want)
		}
	}
	rows, _ := pool.Query(ctx, `SELECT stream_id || revision FROM events ORDER BY position`)
	stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"s-a0", "s-a1", "s-a2", "s-b0", "s-b1", "s-a3", "s-a4", "s-b2"}; !slices.Equal(stored, want) {
		t.Errorf("stored in order %v, want %v", stored, want)
	}
}
