package projections_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/projections"
)

// readModelTables maps every read model to its primary key, the order in
// which dumps list rows: projections.ReadModelTables, which Verify and
// Rebuild use too.
var readModelTables = func() map[string]string {
	out := map[string]string{}
	for _, t := range projections.ReadModelTables {
		out[t.Name] = strings.Join(t.Key, ", ")
	}
	return out
}()

// dump returns every row of every read model of schema.
func dump(t testing.TB, pool *pgxpool.Pool, schema string) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for table, key := range readModelTables {
		rows, err := pool.Query(context.Background(), fmt.Sprintf("SELECT * FROM %s ORDER BY %s", pgx.Identifier{schema, table}.Sanitize(), key))
		if err != nil {
			t.Fatal(err)
		}
		if out[table], err = pgx.CollectRows(rows, pgx.RowToMap); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// assertReadModelTables checks that a schema holding only the read models
// has exactly the tables of readModelTables, so that no table escapes the
// comparisons.
func assertReadModelTables(t testing.TB, pool *pgxpool.Pool, schema string) {
	t.Helper()
	var tables []string
	err := pool.QueryRow(context.Background(), `SELECT coalesce(array_agg(table_name::text ORDER BY table_name), '{}')
		FROM information_schema.tables WHERE table_schema = $1 AND table_name NOT IN ('projection_checkpoints', 'event_source', 'quarantined_events', 'quarantined_campaigns', 'campaign_history_backfill', 'webhook_deliveries', $2)`,
		schema, projections.VersionTable).Scan(&tables)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(maps.Keys(readModelTables))
	if diff := cmp.Diff(want, tables); diff != "" {
		t.Fatalf("tables of schema %s differ from readModelTables (-want +got):\n%s", schema, diff)
	}
}

// assertSameReadModels compares two schemas' read models row by row;
// gotSchema must hold only the read models.
func assertSameReadModels(t testing.TB, pool *pgxpool.Pool, wantSchema, gotSchema string) {
	t.Helper()
	assertReadModelTables(t, pool, gotSchema)
	want, got := dump(t, pool, wantSchema), dump(t, pool, gotSchema)
	for table := range readModelTables {
		if len(want[table]) == 0 {
			t.Errorf("%s.%s is empty: the history should fill every read model", wantSchema, table)
		}
		if diff := cmp.Diff(want[table], got[table]); diff != "" {
			t.Errorf("%s differs between %s and %s (-%s +%s):\n%s", table, wantSchema, gotSchema, wantSchema, gotSchema, diff)
		}
	}
}

// assertCountersMatchMetadata checks the invariant tying the counters,
// moved by deltas, to the per-device records: each campaign's count per
// update state is the number of its records in that state.
func assertCountersMatchMetadata(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	var mismatches []string
	rows, err := pool.Query(context.Background(), `
		SELECT c.campaign_id, s.state, s.counted, coalesce(m.records, 0)
		FROM campaign_counters c
		CROSS JOIN LATERAL (VALUES
			('pending', c.pending), ('skipped', c.skipped), ('rejected', c.rejected), ('scheduled', c.scheduled),
			('updated_connector_channel', c.updated_connector_channel),
			('failed_connector_channel_update', c.failed_connector_channel_update),
			('downloading', c.downloading), ('installing', c.installing), ('deployed', c.deployed),
			('failed', c.failed), ('timed_out', c.timed_out), ('cancelled', c.cancelled),
			('manifestremoved', c.manifest_removed), ('deregistered', c.deregistered)) AS s(state, counted)
		LEFT JOIN (SELECT campaign_id, update_state, count(*) AS records FROM campaign_device_metadata
			GROUP BY campaign_id, update_state) m ON m.campaign_id = c.campaign_id AND m.update_state = s.state
		WHERE s.counted <> coalesce(m.records, 0)`)
	if err != nil {
		t.Fatal(err)
	}
	var campaign, state string
	var counted, records int64
	_, err = pgx.ForEachRow(rows, []any{&campaign, &state, &counted, &records}, func() error {
		mismatches = append(mismatches, fmt.Sprintf("campaign %s: %s counted %d, %d records", campaign, state, counted, records))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(mismatches) > 0 {
		t.Errorf("counters disagree with campaign_device_metadata:\n%s", strings.Join(mismatches, "\n"))
	}
}
