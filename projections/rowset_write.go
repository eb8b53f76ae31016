package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// A batch writes back each row it changed in one of three ways, cheapest
// first for the server:
//
//  1. A row the batch created (wanted, not found by the load, then put) is
//     copied in with COPY: a plain insert, with nothing to parse.
//  2. A row the load found is updated in the columns that changed, from a
//     JSON array holding the key and those columns only. An enrolment
//     changes two of a device's fifteen columns; a row that did not change
//     at all is not written.
//  3. Any other row (put without a load, as the campaign rebuilder does) is
//     upserted whole.
//
// The first two rely on the load telling what the table holds. It does:
// every writer that inserts rows (the runner, the campaign rebuilder) first
// locks the runner's checkpoint row, and the load runs after that lock, in
// the same transaction, so no row appears or changes between the load and
// the write. (Heartbeats move a metadata row's updated_at outside that
// lock; writing only the changed columns keeps a beat the batch did not
// overwrite, which the whole-row upsert lost.)

// queueWrite adds the updates and upserts of the changed rows to b, in key
// order; copyNew writes the new ones.
func (s *rowSet[R]) queueWrite(b *pgx.Batch) error {
	var upserts []*R
	updates := map[string][]*R{} // by the changed columns, joined by commas
	for _, k := range slices.Sorted(maps.Keys(s.dirty)) {
		r := s.rows[k]
		old, stored := s.stored[k]
		switch {
		case s.isNew(k):
		case stored:
			if changed := changedColumns(&old, r); len(changed) > 0 {
				cols := strings.Join(changed, ",")
				updates[cols] = append(updates[cols], r)
			}
		default:
			upserts = append(upserts, r)
		}
	}
	if err := queueJSON(b, s.spec.upsert, upserts); err != nil {
		return fmt.Errorf("writing %s: %w", s.spec.name, err)
	}
	for _, cols := range slices.Sorted(maps.Keys(updates)) {
		changed := strings.Split(cols, ",")
		data, err := columnsJSON(updates[cols], slices.Concat(s.spec.key, changed))
		if err != nil {
			return fmt.Errorf("writing %s: %w", s.spec.name, err)
		}
		b.Queue(s.spec.update(changed), data)
	}
	return nil
}

// update is the statement setting the given columns of the rows in $1, a
// jsonb array of objects holding each row's key and those columns.
func (t *tableSpec) update(columns []string) string {
	tbl := pgx.Identifier{t.name}.Sanitize()
	var match []string
	for _, k := range t.key {
		match = append(match, fmt.Sprintf("%s = %s", quoteAll([]string{k}, "t"), quoteAll([]string{k}, "r")))
	}
	return fmt.Sprintf(`UPDATE %s AS t SET (%s) = ROW(%s) FROM jsonb_populate_recordset(NULL::%s, $1::jsonb) AS r WHERE %s`,
		tbl, quoteAll(columns), quoteAll(columns, "r"), tbl, strings.Join(match, " AND "))
}

// isNew reports whether the row with key k is one the batch creates: it
// was wanted, the load did not find it, and an event put it.
func (s *rowSet[R]) isNew(k string) bool {
	_, wanted := s.wanted[k]
	_, stored := s.stored[k]
	return wanted && !stored
}

// copyNew copies the rows the batch created into the table, in the order
// it created them. An enrolment page's metadata rows then come in device
// order, which the indexes on (campaign, device) and (campaign, state, …)
// take in neighbouring places one after another, so the server's index
// writes stay local; in the hashed primary key's order they would land
// all over each index.
func (s *rowSet[R]) copyNew(ctx context.Context, tx pgx.Tx) error {
	var keys []string
	for _, k := range s.order {
		if _, dirty := s.dirty[k]; dirty && s.isNew(k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{s.spec.name}, s.spec.columns,
		pgx.CopyFromSlice(len(keys), func(i int) ([]any, error) {
			v := reflect.ValueOf(s.rows[keys[i]]).Elem()
			values := make([]any, v.NumField())
			for f := range values {
				switch t := v.Field(f).Interface().(type) {
				case time.Time:
					values[f] = roundAsFromJSON(t)
				case *time.Time:
					if t != nil {
						r := roundAsFromJSON(*t)
						t = &r
					}
					values[f] = t
				default:
					values[f] = t
				}
			}
			return values, nil
		}))
	if err != nil {
		return fmt.Errorf("copying new rows into %s: %w", s.spec.name, err)
	}
	return nil
}

// roundAsFromJSON rounds a time to the microseconds Postgres keeps, as
// Postgres rounds the times of the JSON paths: the fraction of the second
// read as a double, times a million, rounded half to even (rint in
// ParseFractionalSecond). COPY sends binary times, which the driver
// truncates instead; a row must hold the same time whichever path wrote
// it, or a rebuild, whose batches end elsewhere, would differ from the
// live read models.
func roundAsFromJSON(t time.Time) time.Time {
	us := math.RoundToEven(float64(t.Nanosecond()) / 1e9 * 1e6)
	return t.Truncate(time.Second).Add(time.Duration(us) * time.Microsecond)
}

// snapshot copies a row as loaded, with its own copies of what its
// pointer and slice fields hold: however the batch changes the row, the
// copy still says what the table holds.
func snapshot[R any](r *R) R {
	c := *r
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i); {
		case f.Kind() == reflect.Pointer && !f.IsNil():
			p := reflect.New(f.Type().Elem())
			p.Elem().Set(f.Elem())
			f.Set(p)
		case f.Kind() == reflect.Slice && !f.IsNil():
			f.Set(reflect.AppendSlice(reflect.MakeSlice(f.Type(), 0, f.Len()), f))
		}
	}
	return c
}

// changedColumns names the columns whose values differ between two
// versions of a row. It may name a column whose value is the same in
// another form (a time in another location): writing it again is harmless.
func changedColumns[R any](old, cur *R) []string {
	ov, cv := reflect.ValueOf(old).Elem(), reflect.ValueOf(cur).Elem()
	var out []string
	for i := range ov.NumField() {
		a, b := ov.Field(i), cv.Field(i)
		var same bool
		switch a.Kind() {
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64, reflect.String:
			same = a.Equal(b)
		default: // pointers and slices by what they hold, not where
			same = reflect.DeepEqual(a.Interface(), b.Interface())
		}
		if !same {
			out = append(out, columnName(ov.Type().Field(i)))
		}
	}
	return out
}

// columnsJSON encodes the given columns of rows as a JSON array of
// objects. It encodes a struct type holding only those fields, with their
// tags, so that encoding/json does the work with a cached encoder rather
// than field by field.
func columnsJSON[R any](rows []*R, columns []string) ([]byte, error) {
	t := reflect.TypeFor[R]()
	var fields []int
	var sf []reflect.StructField
	for i := range t.NumField() {
		if f := t.Field(i); slices.Contains(columns, columnName(f)) {
			fields = append(fields, i)
			sf = append(sf, reflect.StructField{Name: f.Name, Type: f.Type, Tag: f.Tag})
		}
	}
	out := reflect.MakeSlice(reflect.SliceOf(reflect.StructOf(sf)), len(rows), len(rows))
	for n, r := range rows {
		src, dst := reflect.ValueOf(r).Elem(), out.Index(n)
		for j, i := range fields {
			dst.Field(j).Set(src.Field(i))
		}
	}
	return json.Marshal(out.Interface())
}

// columnName is the column a row field holds: its json name.
func columnName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}
