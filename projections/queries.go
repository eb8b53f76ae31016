package projections

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain"
)

// Queries reads the read models for the API and the campaign engine.
// Every method is scoped to an account: another account's objects answer
// domain.NotFoundError, exactly like objects that do not exist.
type Queries struct {
	pool *pgxpool.Pool
}

// NewQueries returns the queries on the read models in pool's database
// (the first schema of its search_path, as for the Runner).
func NewQueries(pool *pgxpool.Pool) *Queries {
	return &Queries{pool: pool}
}

// Order is the direction of a list: Pelion's ASC or DESC.
type Order string

// The list orders.
const (
	Ascending  Order = "ASC"
	Descending Order = "DESC"
)

// The page size limits, as Pelion's.
const (
	DefaultLimit = 50
	MinLimit     = 2
	MaxLimit     = 1000
)

// ListRequest asks for one page of a list: Pelion's cursor paging and
// filter.
type ListRequest struct {
	// Limit is the page size, MinLimit to MaxLimit.
	Limit int
	// After is the id of the last item of the previous page; empty for
	// the first page.
	After string
	// Order is the direction, by creation time (by id for devices).
	Order Order
	// IncludeTotal asks for the number of matching items (Pelion's
	// include=total_count); it costs a count over them.
	IncludeTotal bool
	// Filter selects the items.
	Filter Filter
}

// Page is one page of a list, the data of Pelion's list object.
type Page[T any] struct {
	Data    []T
	HasMore bool
	// TotalCount is the number of matching items when the request asked
	// for it, else nil.
	TotalCount *int64
	Limit      int
	After      string
	Order      Order
}

// ParseLimit reads a page size: a whole number, clamped into least to
// MaxLimit as Pelion does, so a client asking for 1 or 5000 gets a page
// rather than an error. Only text that is no number is refused.
func ParseLimit(s string, least int) (int, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		err = nil // a number of twenty digits is still past a bound
	}
	if err != nil {
		return least, domain.InvalidError{Field: "limit", Reason: fmt.Sprintf("%q is not a whole number", s)}
	}
	return int(max(int64(least), min(n, MaxLimit))), nil
}

// reservedParams are the list parameters that are not filter terms.
var reservedParams = map[string]bool{"limit": true, "after": true, "order": true, "include": true, "filter": true}

// ParseListRequest reads a list request's query parameters: limit
// (default 50, clamped into 2 to 1000), after (an id, by the text rules), order (ASC or
// DESC), include (total_count), and the filter, given as direct
// field__op=value parameters, inside one URL-encoded `filter` parameter, or
// both. A plain direct name=value parameter filters only if the resource
// has that field.
func ParseListRequest(q url.Values) (ListRequest, error) {
	req := ListRequest{Limit: DefaultLimit, Order: Ascending, After: q.Get("after")}
	// The cursor is an id (at most 128 characters) that PostgreSQL compares
	// as text: a NUL or invalid UTF-8 there would fail the query with a 500.
	problems := []error{domain.CheckText("after", req.After, 128, false)}
	if s := q.Get("limit"); s != "" {
		n, err := ParseLimit(s, MinLimit)
		problems = append(problems, err)
		req.Limit = n
	}
	switch o := Order(strings.ToUpper(q.Get("order"))); o {
	case "":
	case Ascending, Descending:
		req.Order = o
	default:
		problems = append(problems, domain.InvalidError{Field: "order", Reason: fmt.Sprintf("%q is not ASC or DESC", q.Get("order"))})
	}
	for _, inc := range strings.Split(q.Get("include"), ",") {
		switch strings.TrimSpace(inc) {
		case "":
		case "total_count":
			req.IncludeTotal = true
		default:
			problems = append(problems, domain.InvalidError{Field: "include", Reason: fmt.Sprintf("%q is not total_count", inc)})
		}
	}
	direct := url.Values{}
	for k, v := range q {
		if !reservedParams[k] {
			direct[k] = v
		}
	}
	req.Filter = filterOf(direct, true)
	for _, s := range q["filter"] {
		f, err := ParseFilter(s)
		if err != nil {
			problems = append(problems, err)
		}
		req.Filter = append(req.Filter, f...)
	}
	return req, errors.Join(problems...)
}

// listSpec is how one resource is listed.
type listSpec struct {
	// columns are the selected columns, named as the row struct's db tags.
	columns string
	// from names the tables.
	from string
	// keys order the list, the last one unique; the cursor compares them
	// as a row.
	keys []string
	// cursor returns the SQL of the key values of the item with id p
	// (a placeholder), or p itself when the one key is the id.
	cursor func(p string) string
	// fields are the filterable fields.
	fields fields
}

// list runs a list request: the scope (with its args) restricts the rows
// to the account or the campaign, the filter and the cursor to the page.
// It reads one row more than the limit to know whether more follow.
func list[T any](ctx context.Context, q *Queries, spec listSpec, scope string, args sqlArgs, req ListRequest) (Page[T], error) {
	page := Page[T]{Data: []T{}, Limit: req.Limit, After: req.After, Order: req.Order}
	st, err := spec.statements(scope, args, req)
	if err != nil {
		return page, err
	}
	if req.IncludeTotal {
		var total int64
		if err := q.pool.QueryRow(ctx, st.count, st.countArgs...).Scan(&total); err != nil {
			return page, fmt.Errorf("counting: %w", err)
		}
		page.TotalCount = &total
	}
	rows, err := q.pool.Query(ctx, st.page, st.pageArgs...)
	if err != nil {
		return page, fmt.Errorf("listing: %w", err)
	}
	data, err := pgx.CollectRows(rows, pgx.RowToStructByName[T])
	if err != nil {
		return page, fmt.Errorf("listing: %w", err)
	}
	if len(data) > req.Limit {
		data, page.HasMore = data[:req.Limit], true
	}
	page.Data = data
	return page, nil
}

// listStatements are the SQL statements of a list request and their
// parameters: the page's, and the count's (without the cursor).
type listStatements struct {
	page, count         string
	pageArgs, countArgs sqlArgs
}

// statements builds a list request's statements without I/O, so that
// every refusal of the request (a filter term, a value) comes before any
// query.
func (spec listSpec) statements(scope string, args sqlArgs, req ListRequest) (listStatements, error) {
	where := []string{scope}
	filter, err := spec.fields.where(req.Filter, &args)
	if err != nil {
		return listStatements{}, err
	}
	if filter != "" {
		where = append(where, filter)
	}
	st := listStatements{countArgs: slices.Clone(args),
		count: fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", spec.from, strings.Join(where, " AND "))}
	cmp, dir := ">", "ASC"
	if req.Order == Descending {
		cmp, dir = "<", "DESC"
	}
	if req.After != "" {
		where = append(where, fmt.Sprintf("(%s) %s (%s)", strings.Join(spec.keys, ", "), cmp, spec.cursor(args.add(req.After))))
	}
	order := make([]string, len(spec.keys))
	for i, k := range spec.keys {
		order[i] = k + " " + dir
	}
	st.page = fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d", spec.columns, spec.from, strings.Join(where, " AND "), strings.Join(order, ", "), req.Limit+1)
	st.pageArgs = args
	return st, nil
}

// one reads the single row a query selects, or answers notFound.
func one[T any](ctx context.Context, q *Queries, notFound error, sql string, args ...any) (T, error) {
	rows, err := q.pool.Query(ctx, sql, args...)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[T])
	if errors.Is(err, pgx.ErrNoRows) {
		return v, notFound
	}
	return v, err
}
