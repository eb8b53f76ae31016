package projections

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/updateservice/updateservice/domain"
)

// kind is the type of a filterable column: it decides how a value parses,
// which operators apply and the SQL type of the parameter.
type kind int

const (
	kindText    kind = iota // text; eq, neq, in, nin
	kindTime                // timestamptz; every operator
	kindBool                // boolean; eq, neq
	kindNumber              // double precision; every operator
	kindInt                 // integer; every operator
	kindTextSet             // text[] (device groups): eq/neq test membership, in/nin test overlap
)

// sqlType is the parameter cast of a kind's values.
var sqlType = map[kind]string{
	kindText: "text", kindTime: "timestamptz", kindBool: "boolean",
	kindNumber: "double precision", kindInt: "bigint", kindTextSet: "text",
}

// column is a filterable field: the SQL expression reading it and its kind.
type column struct {
	expr string
	kind kind
}

// fields is the whitelist of a resource's filterable fields. The only SQL
// text a filter contributes comes from here; every value travels as a
// parameter, so no value is ever spliced into a statement.
type fields map[string]column

// names lists the filterable fields, for error messages.
func (fs fields) names() string {
	return strings.Join(slices.Sorted(maps.Keys(fs)), ", ")
}

// sqlArgs collects the parameters of one statement.
type sqlArgs []any

// add appends a parameter and returns its placeholder.
func (a *sqlArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// maxFilterValue bounds a filter term's value, in characters: an __in
// list of a thousand ids fits, and nothing that long is a value to compare.
const maxFilterValue = 1 << 16

// where compiles f into SQL conditions joined by AND, adding the values
// to args. It returns "" for an empty filter. A term naming an unknown
// field, an operator the field's kind does not take or a value that does
// not parse is an InvalidError naming the term. So is a value breaking the
// text rules: PostgreSQL refuses a NUL or invalid UTF-8 in a text
// parameter, and that refusal would answer 500 instead of 400.
func (fs fields) where(f Filter, args *sqlArgs) (string, error) {
	var parts []string
	for _, c := range f {
		col, ok := fs[c.Field]
		if !ok {
			if c.lenient {
				continue
			}
			return "", domain.InvalidError{Field: c.term(), Reason: fmt.Sprintf("%q is not a filterable field; filter on %s", c.Field, fs.names())}
		}
		if err := domain.CheckText(c.term(), c.Value, maxFilterValue, true); err != nil {
			return "", err
		}
		sql, err := col.condition(c, args)
		if err != nil {
			return "", domain.InvalidError{Field: c.term(), Reason: err.Error()}
		}
		parts = append(parts, sql)
	}
	return strings.Join(parts, " AND "), nil
}

// condition is the SQL of one term on this column.
func (col column) condition(c Condition, args *sqlArgs) (string, error) {
	if !col.allows(c.Op) {
		return "", fmt.Errorf("operator __%s does not apply to %s", c.Op, c.Field)
	}
	typ := sqlType[col.kind]
	if c.Op == OpIn || c.Op == OpNin {
		list, err := col.parseList(strings.Split(c.Value, ","))
		if err != nil {
			return "", err
		}
		p := args.add(list) + "::" + typ + "[]"
		switch {
		case col.kind == kindTextSet && c.Op == OpIn:
			return fmt.Sprintf("%s && %s", col.expr, p), nil
		case col.kind == kindTextSet:
			return fmt.Sprintf("NOT (%s && %s)", col.expr, p), nil
		case c.Op == OpIn:
			return fmt.Sprintf("%s = ANY(%s)", col.expr, p), nil
		default: // NULL is not in any list
			return fmt.Sprintf("(%s = ANY(%s)) IS NOT TRUE", col.expr, p), nil
		}
	}
	v, err := col.parse(c.Value)
	if err != nil {
		return "", err
	}
	p := args.add(v) + "::" + typ
	switch {
	case col.kind == kindTextSet && c.Op == OpEq:
		return fmt.Sprintf("%s = ANY(%s)", p, col.expr), nil
	case col.kind == kindTextSet:
		return fmt.Sprintf("NOT (%s = ANY(%s))", p, col.expr), nil
	case c.Op == OpEq:
		return fmt.Sprintf("%s = %s", col.expr, p), nil
	case c.Op == OpNeq:
		return fmt.Sprintf("%s IS DISTINCT FROM %s", col.expr, p), nil
	case c.Op == OpLte:
		return fmt.Sprintf("%s <= %s", col.expr, p), nil
	default:
		return fmt.Sprintf("%s >= %s", col.expr, p), nil
	}
}

// allows reports whether the operator applies to the column's kind:
// ranges only on ordered values, booleans only compared for equality.
func (col column) allows(op Op) bool {
	switch col.kind {
	case kindTime, kindNumber, kindInt:
		return true
	case kindBool:
		return op == OpEq || op == OpNeq
	case kindText, kindTextSet:
		return op != OpLte && op != OpGte
	}
	return false
}

// parse turns one raw value into the column's Go type.
func (col column) parse(s string) (any, error) {
	switch col.kind {
	case kindTime:
		return ParseDateTime(s)
	case kindBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", s)
		}
		return b, nil
	case kindNumber:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case kindInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return n, nil
	case kindText, kindTextSet:
	}
	return s, nil
}

// parseList parses every value of an __in or __nin list into a slice of
// the column's Go type, which pgx sends as a Postgres array.
func (col column) parseList(raw []string) (any, error) {
	switch col.kind {
	case kindTime:
		return parseEach(raw, ParseDateTime)
	case kindBool:
		return parseEach(raw, func(s string) (bool, error) { v, err := col.parse(s); b, _ := v.(bool); return b, err })
	case kindNumber:
		return parseEach(raw, func(s string) (float64, error) { v, err := col.parse(s); f, _ := v.(float64); return f, err })
	case kindInt:
		return parseEach(raw, func(s string) (int64, error) { v, err := col.parse(s); n, _ := v.(int64); return n, err })
	case kindText, kindTextSet:
	}
	return raw, nil
}

// parseEach parses every string with parse, stopping at the first error.
func parseEach[T any](raw []string, parse func(string) (T, error)) ([]T, error) {
	out := make([]T, len(raw))
	for i, s := range raw {
		v, err := parse(s)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
