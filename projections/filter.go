package projections

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// Op is an operator of a Pelion filter term, the suffix after the field's
// double underscore: state__eq, created_at__gte.
type Op string

// The Pelion filter operators. __in and __nin take comma-separated lists.
const (
	OpEq  Op = "eq"
	OpNeq Op = "neq"
	OpIn  Op = "in"
	OpNin Op = "nin"
	OpLte Op = "lte"
	OpGte Op = "gte"
)

// ops lists every operator.
var ops = []Op{OpEq, OpNeq, OpIn, OpNin, OpLte, OpGte}

// Condition is one term of a filter: a field, an operator and the raw
// value as sent (a list stays comma-separated until the field's type is
// known).
type Condition struct {
	Field string
	Op    Op
	Value string
	// lenient marks a plain direct query parameter (name=value): it is a
	// filter term only if the resource has such a field, so that unrelated
	// parameters (a cache buster) do not fail the request.
	lenient bool
	// plain marks a term written without its operator (name=value).
	plain bool
}

// term is how the condition was written, for error messages.
func (c Condition) term() string {
	if c.plain {
		return c.Field
	}
	return c.Field + "__" + string(c.Op)
}

// Filter is a conjunction of conditions: a row matches when it matches
// every one.
type Filter []Condition

// ParseFilter parses a filter in Pelion's text form: terms joined by &,
// each field__op=value or field=value (meaning __eq), URL-encoded, as a
// campaign's device_filter or the decoded `filter` query parameter holds it.
func ParseFilter(s string) (Filter, error) {
	values, err := url.ParseQuery(s)
	if err != nil {
		return nil, domain.InvalidError{Field: "filter", Reason: fmt.Sprintf("%q is not a URL-encoded list of field__op=value terms: %v", s, err)}
	}
	return filterOf(values, false), nil
}

// filterOf turns parameters into conditions in a stable order (by key),
// so that SQL text and error messages do not vary between calls.
func filterOf(values url.Values, lenientPlain bool) Filter {
	var f Filter
	for _, key := range slices.Sorted(maps.Keys(values)) {
		field, op, explicit := splitTerm(key)
		for _, v := range values[key] {
			f = append(f, Condition{Field: field, Op: op, Value: v, lenient: lenientPlain && !explicit, plain: !explicit})
		}
	}
	return f
}

// splitTerm splits field__op; a key without a known operator suffix is a
// plain field compared for equality.
func splitTerm(key string) (field string, op Op, explicit bool) {
	if i := strings.LastIndex(key, "__"); i > 0 {
		if o := Op(key[i+2:]); slices.Contains(ops, o) {
			return key[:i], o, true
		}
	}
	return key, OpEq, false
}

// shortDateTime is Pelion's compact UTC date-time form, 20161130T162512Z.
const shortDateTime = "20060102T150405Z"

// ParseDateTime parses a Pelion date-time: RFC 3339 with or without
// fractional seconds, or the short form 20161130T162512Z. The result is
// in UTC.
func ParseDateTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(shortDateTime, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date-time: use RFC 3339 (2016-11-30T16:25:12Z, fractional seconds allowed) or 20161130T162512Z", s)
}
