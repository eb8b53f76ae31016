package projections

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ReadModelTable is a read-model table and the columns of its primary key.
type ReadModelTable struct {
	Name string
	Key  []string
}

// ReadModelTables lists every table the runner derives from the events
// alone: what a verification compares and a rebuild replaces. The rest of
// the schema is bookkeeping that no event determines: the checkpoints
// (also the campaign engine's), the quarantines (an operator's retries
// change them), event_source and the migrations' version table.
var ReadModelTables = []ReadModelTable{
	{"campaigns", []string{"id"}},
	{"campaign_counters", []string{"campaign_id"}},
	{"campaign_wave_counters", []string{"campaign_id", "wave"}},
	{"campaign_device_metadata", []string{"id"}},
	{"campaign_statistics", []string{"campaign_id", "summary_status"}},
	{"campaign_event_types", []string{"campaign_id", "summary_status", "event_type"}},
	{"devices", []string{"account_id", "device_id"}},
	{"manifests", []string{"id"}},
	{"campaign_history", []string{"campaign_id", "commit_position", "prepare_position"}},
	{"updates", []string{"id"}},
	{"firmware_images", []string{"id"}},
	{"upload_jobs", []string{"id"}},
	{"upload_job_chunks", []string{"upload_job_id", "chunk"}},
	{"webhooks", []string{"id"}},
}

// Difference is one value in which the live read models and rebuilt ones
// differ. A row that only one side has is one Difference with Column
// "(row)" and "absent" on the other side.
type Difference struct {
	Table   string `json:"table"`
	Key     string `json:"key"`
	Column  string `json:"column"`
	Live    string `json:"live"`
	Rebuilt string `json:"rebuilt"`
}

// querier is what a pool, a connection and a transaction share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// compareTable streams both sides of a table in key order and reports
// every differing value. Values are compared as Postgres prints them, and
// keys in byte order (COLLATE "C") on both sides, so the merge needs no
// collation of its own and holds two rows in memory at a time.
func compareTable(ctx context.Context, live, rebuilt querier, liveSchema, rebuiltSchema string, t ReadModelTable,
	each func(Difference) error) error {
	columns, err := tableColumns(ctx, rebuilt, rebuiltSchema, t.Name)
	if err != nil {
		return err
	}
	l, err := openRows(ctx, live, liveSchema, t, columns)
	if err != nil {
		return fmt.Errorf("reading live %s: %w", t.Name, err)
	}
	defer l.rows.Close()
	r, err := openRows(ctx, rebuilt, rebuiltSchema, t, columns)
	if err != nil {
		return fmt.Errorf("reading rebuilt %s: %w", t.Name, err)
	}
	defer r.rows.Close()
	if err := mergeRows(t, columns, l, r, each); err != nil {
		return err
	}
	if err := l.rows.Err(); err != nil {
		return fmt.Errorf("reading live %s: %w", t.Name, err)
	}
	if err := r.rows.Err(); err != nil {
		return fmt.Errorf("reading rebuilt %s: %w", t.Name, err)
	}
	return nil
}

// mergeRows walks both sides in key order and reports what differs.
func mergeRows(t ReadModelTable, columns []string, l, r *sortedRows, each func(Difference) error) error {
	k := len(t.Key)
	for {
		l.next()
		r.next()
		if l.row == nil && r.row == nil {
			return nil
		}
		var diffs []Difference
		switch c := compareKeys(l.row, r.row, k); {
		case c < 0:
			diffs = []Difference{{t.Name, keyText(t.Key, l.row), "(row)", "present", "absent"}}
			l.row = nil
		case c > 0:
			diffs = []Difference{{t.Name, keyText(t.Key, r.row), "(row)", "absent", "present"}}
			r.row = nil
		default:
			for i, col := range columns {
				lv, rv := l.row[k+i], r.row[k+i]
				if !bytes.Equal(lv, rv) || (lv == nil) != (rv == nil) {
					diffs = append(diffs, Difference{t.Name, keyText(t.Key, l.row), col, valueText(lv), valueText(rv)})
				}
			}
			l.row, r.row = nil, nil
		}
		for _, d := range diffs {
			if err := each(d); err != nil {
				return err
			}
		}
	}
}

// sortedRows is one side of a table, read row by row in key order; row
// is the current row (nil once it was used or the rows ended): the key
// columns, then every column, as text.
type sortedRows struct {
	rows pgx.Rows
	row  [][]byte
}

// next reads a row when none is current and the rows have not ended.
func (s *sortedRows) next() {
	if s.row != nil || !s.rows.Next() {
		return
	}
	raw := s.rows.RawValues()
	s.row = make([][]byte, len(raw))
	for i, v := range raw {
		if v != nil {
			s.row[i] = bytes.Clone(v)
			if s.row[i] == nil {
				s.row[i] = []byte{}
			}
		}
	}
}

func openRows(ctx context.Context, q querier, schema string, t ReadModelTable, columns []string) (*sortedRows, error) {
	var sel, order []string
	for _, k := range t.Key {
		sel = append(sel, pgx.Identifier{k}.Sanitize()+`::text COLLATE "C"`)
		order = append(order, pgx.Identifier{k}.Sanitize()+`::text COLLATE "C"`)
	}
	for _, c := range columns {
		sel = append(sel, pgx.Identifier{c}.Sanitize()+"::text")
	}
	rows, err := q.Query(ctx, fmt.Sprintf("SELECT %s FROM %s ORDER BY %s", strings.Join(sel, ", "),
		pgx.Identifier{schema, t.Name}.Sanitize(), strings.Join(order, ", ")))
	if err != nil {
		return nil, err
	}
	return &sortedRows{rows: rows}, nil
}

// tableColumns lists a table's columns in their order.
func tableColumns(ctx context.Context, q querier, schema, table string) ([]string, error) {
	var columns []string
	err := q.QueryRow(ctx, `SELECT coalesce(array_agg(column_name::text ORDER BY ordinal_position), '{}')
		FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`, schema, table).Scan(&columns)
	if err != nil {
		return nil, fmt.Errorf("columns of %s.%s: %w", schema, table, err)
	}
	return columns, nil
}

// compareKeys orders two rows by their first n values; a nil row (that
// side has ended) comes after every other.
func compareKeys(a, b [][]byte, n int) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	for i := range n {
		if c := bytes.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

// keyText names a row by its key, "column=value" pairs.
func keyText(key []string, row [][]byte) string {
	parts := make([]string, len(key))
	for i, k := range key {
		parts[i] = k + "=" + string(row[i])
	}
	return strings.Join(parts, " ")
}

func valueText(v []byte) string {
	if v == nil {
		return "NULL"
	}
	return string(v)
}
