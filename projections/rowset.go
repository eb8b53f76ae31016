package projections

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// tableSpec describes a read model kept as whole rows: the batch loads
// the rows it touches with one query, changes them in memory event by
// event, and writes back what changed (see queueWrite). The row struct's
// json tags name the columns, in the table's order: rows are loaded in
// binary, field by field, and written as JSON arrays that the table's own
// row type parses, or copied field by field, so the column list is written
// once.
type tableSpec struct {
	name    string
	key     []string // primary key columns, in the order of a row key's parts
	columns []string
	load    string // $1..$n: one text[] per key column; one index lookup per key
	upsert  string // $1: jsonb array of rows
}

// keySep joins the parts of a composite row key. Ids never contain it
// (domain ids refuse '/').
const keySep = "/"

// newTableSpec derives the statements of table from the json tags of its
// row type R, which must name every column.
func newTableSpec[R any](table string, key ...string) *tableSpec {
	var columns []string
	t := reflect.TypeFor[R]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			panic(fmt.Sprintf("projections: %s.%s has no json column name", t.Name(), t.Field(i).Name))
		}
		columns = append(columns, name)
	}
	var params, match []string
	for i, k := range key {
		params = append(params, fmt.Sprintf("$%d::text[]", i+1))
		match = append(match, fmt.Sprintf("%s = %s", quoteAll([]string{k}, "t"), quoteAll([]string{k}, "k")))
	}
	rest := slices.DeleteFunc(slices.Clone(columns), func(c string) bool { return slices.Contains(key, c) })
	tbl := pgx.Identifier{table}.Sanitize()
	return &tableSpec{
		name:    table,
		key:     key,
		columns: columns,
		// A lookup per key, whatever the statistics say: a plain join of
		// the keys is planned as a hash join over the whole table while
		// the statistics still describe it small (a table filled since
		// the last ANALYZE, as a first campaign's metadata is), and that
		// costs a scan of the table per batch. LIMIT 1 keeps the planner
		// from flattening the subquery back into such a join.
		load: fmt.Sprintf(`SELECT %s FROM unnest(%s) AS k(%s) CROSS JOIN LATERAL (SELECT %s FROM %s t WHERE %s LIMIT 1) t`,
			quoteAll(columns, "t"), strings.Join(params, ", "), quoteAll(key), quoteAll(columns, "t"), tbl, strings.Join(match, " AND ")),
		upsert: fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM jsonb_populate_recordset(NULL::%s, $1::jsonb)
			ON CONFLICT (%s) DO UPDATE SET (%s) = ROW(%s)`,
			tbl, quoteAll(columns), quoteAll(columns), tbl, quoteAll(key), quoteAll(rest), quoteAll(rest, "excluded")),
	}
}

// rowSet holds the rows of one table that a batch touches. A key is the
// row's primary key values joined by keySep. Its maps are made on first
// write: most batches, and every DeviceOf, touch few of the tables.
type rowSet[R any] struct {
	spec   *tableSpec
	keyOf  func(*R) string
	rows   map[string]*R
	wanted map[string]struct{}
	stored map[string]R // the rows loaded, as the table holds them
	dirty  map[string]struct{}
	order  []string // the dirty keys, in the order the batch first changed them
}

func newRowSet[R any](spec *tableSpec, keyOf func(*R) string) *rowSet[R] {
	return &rowSet[R]{spec: spec, keyOf: keyOf}
}

// want asks for the row with key k to be loaded, if it exists.
func (s *rowSet[R]) want(k string) {
	if s.wanted == nil {
		s.wanted = map[string]struct{}{}
	}
	s.wanted[k] = struct{}{}
}

// loaded keeps a row read from the table, and a copy of it as stored.
func (s *rowSet[R]) loaded(k string, r *R) {
	if s.stored == nil {
		s.stored = map[string]R{}
	}
	s.set(k, r)
	s.stored[k] = snapshot(r)
}

func (s *rowSet[R]) set(k string, r *R) {
	if s.rows == nil {
		s.rows = map[string]*R{}
	}
	s.rows[k] = r
}

// queueLoad adds the query loading every wanted row to b.
func (s *rowSet[R]) queueLoad(b *pgx.Batch) {
	if len(s.wanted) == 0 {
		return
	}
	cols := make([][]string, len(s.spec.key))
	for k := range s.wanted {
		parts := strings.SplitN(k, keySep, len(cols))
		for i := range cols {
			cols[i] = append(cols[i], parts[i])
		}
	}
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = c
	}
	b.Queue(s.spec.load, args...).Query(func(rows pgx.Rows) error {
		loaded, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByPos[R])
		if err != nil {
			return fmt.Errorf("loading %s: %w", s.spec.name, err)
		}
		for _, r := range loaded {
			s.loaded(s.keyOf(r), r)
		}
		return nil
	})
}

// queueLoadWhere adds a query loading more rows, chosen by a condition on
// the table (aliased t) rather than by key, to b. A row already loaded
// keeps the version in memory.
func (s *rowSet[R]) queueLoadWhere(b *pgx.Batch, where string, args ...any) {
	sql := fmt.Sprintf(`SELECT %s FROM %s t WHERE %s`, quoteAll(s.spec.columns, "t"), pgx.Identifier{s.spec.name}.Sanitize(), where)
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		loaded, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByPos[R])
		if err != nil {
			return fmt.Errorf("loading %s: %w", s.spec.name, err)
		}
		for _, r := range loaded {
			k := s.keyOf(r)
			if _, ok := s.rows[k]; !ok {
				s.loaded(k, r)
			}
		}
		return nil
	})
}

// get returns the row with key k for reading, or nil.
func (s *rowSet[R]) get(k string) *R { return s.rows[k] }

// edit returns the row with key k for changing, or nil; a row returned is
// written back at the end of the batch.
func (s *rowSet[R]) edit(k string) *R {
	r := s.rows[k]
	if r != nil {
		s.markDirty(k)
	}
	return r
}

// put inserts or replaces the row with key k.
func (s *rowSet[R]) put(k string, r *R) {
	s.set(k, r)
	s.markDirty(k)
}

func (s *rowSet[R]) markDirty(k string) {
	if s.dirty == nil {
		s.dirty = map[string]struct{}{}
	}
	if _, ok := s.dirty[k]; !ok {
		s.dirty[k] = struct{}{}
		s.order = append(s.order, k)
	}
}

// deltaUpsert returns the statement that adds rows of deltas to a counting
// table: a new key inserts the row; an existing one adds the add columns
// to its own, overwrites the set columns and keeps the insertOnly ones.
// $1 is a jsonb array of rows.
func deltaUpsert(table string, key, insertOnly, add, set []string) string {
	tbl := pgx.Identifier{table}.Sanitize()
	columns := slices.Concat(key, insertOnly, add, set)
	var updates []string
	for _, c := range add {
		c = pgx.Identifier{c}.Sanitize()
		updates = append(updates, fmt.Sprintf("%s = %s.%s + excluded.%s", c, tbl, c, c))
	}
	for _, c := range set {
		c = pgx.Identifier{c}.Sanitize()
		updates = append(updates, fmt.Sprintf("%s = excluded.%s", c, c))
	}
	cols := quoteAll(columns)
	return fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM jsonb_populate_recordset(NULL::%s, $1::jsonb)
		ON CONFLICT (%s) DO UPDATE SET %s`, tbl, cols, cols, tbl, quoteAll(key), strings.Join(updates, ", "))
}

// queueJSON adds statement with rows as its jsonb parameter to b, unless
// there are no rows.
func queueJSON[T any](b *pgx.Batch, statement string, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	data, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	b.Queue(statement, data)
	return nil
}

// quoteAll quotes column names and joins them with commas, each qualified
// by the optional table alias.
func quoteAll(columns []string, alias ...string) string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = pgx.Identifier(append(slices.Clone(alias), c)).Sanitize()
	}
	return strings.Join(out, ", ")
}
