package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// The request body limits: 1 MiB for an object, 64 MiB for a bulk import
// or a connector notification batch. A larger body answers 413.
const (
	bodyLimit     = 1 << 20
	bulkBodyLimit = 64 << 20
)

// limitBody caps request bodies at n bytes: reading past them fails with
// *http.MaxBytesError, which writeError answers 413.
func limitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// decode reads the request's body, one JSON object, into v. Unknown
// fields are ignored, because Pelion clients send the read-only fields of
// an object (id, created_at, etag, ...) back on PUT; the known ones must
// have their types, and a wrong one is an InvalidError naming the field.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return domain.InvalidError{Field: "body", Reason: "must hold one JSON object, not several values"}
	}
	return nil
}

// decodeError turns a JSON decoding error into the error the caller sees.
func decodeError(err error) error {
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return domain.InvalidError{Field: field, Reason: fmt.Sprintf("must be %s, not %s", jsonType(typeErr.Type.String()), typeErr.Value)}
	case errors.Is(err, io.EOF):
		return domain.InvalidError{Field: "body", Reason: "is empty: send a JSON object"}
	}
	return domain.InvalidError{Field: "body", Reason: "is not valid JSON: " + err.Error()}
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map[") || strings.HasPrefix(t, "struct") || strings.HasPrefix(t, "http."):
		return "an object"
	case t == "string" || strings.HasPrefix(t, "domain."):
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	}
	return "a " + t
}

// optionalTime is a date-time field of a request that may be absent, null
// or a date-time in one of Pelion's forms. Raw holds it as sent.
type optionalTime struct {
	json.RawMessage
}

// present reports whether the field was sent, null included.
func (o optionalTime) present() bool { return len(o.RawMessage) > 0 }

// parse returns the time sent, the zero time for null, or an InvalidError
// naming field.
func (o optionalTime) parse(field string) (time.Time, error) {
	if string(o.RawMessage) == "null" {
		return time.Time{}, nil
	}
	var s string
	if err := json.Unmarshal(o.RawMessage, &s); err != nil {
		return time.Time{}, domain.InvalidError{Field: field, Reason: "must be a date-time string"}
	}
	t, err := projections.ParseDateTime(s)
	if err != nil {
		return time.Time{}, domain.InvalidError{Field: field, Reason: err.Error()}
	}
	return t, nil
}

// listObject is Pelion's page object.
type listObject[T any] struct {
	Object     string            `json:"object"`
	Data       []T               `json:"data"`
	HasMore    bool              `json:"has_more"`
	TotalCount *int64            `json:"total_count,omitempty"`
	After      *string           `json:"after"`
	Limit      int               `json:"limit"`
	Order      projections.Order `json:"order"`
}

// answerList answers a /v3 list of the account's objects of one kind:
// the query's list request (filters, order, paging), read by list in the
// request's account, each item rendered.
func answerList[T, J any](d Deps, w http.ResponseWriter, r *http.Request,
	list func(context.Context, domain.AccountID, projections.ListRequest) (projections.Page[T], error), render func(T) J) {
	req, err := projections.ParseListRequest(r.URL.Query())
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	page, err := list(r.Context(), accountOf(r.Context()), req)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, listOf(page, render))
}

// listOf renders a page of read-model items as Pelion's page object.
func listOf[T, J any](p projections.Page[T], render func(T) J) listObject[J] {
	out := listObject[J]{Object: "list", Data: make([]J, len(p.Data)), HasMore: p.HasMore, TotalCount: p.TotalCount,
		Limit: p.Limit, Order: p.Order}
	for i, item := range p.Data {
		out.Data[i] = render(item)
	}
	if p.After != "" {
		out.After = &p.After
	}
	return out
}

// wholeList renders a complete, short list (statistics) as a page object.
func wholeList[T, J any](items []T, render func(T) J) listObject[J] {
	n := int64(len(items))
	return listOf(projections.Page[T]{Data: items, TotalCount: &n, Limit: max(len(items), projections.MinLimit),
		Order: projections.Ascending}, render)
}

// utc returns t in UTC, so every date-time the API writes ends in Z.
func utc(t time.Time) time.Time { return t.UTC() }

// utcPtr returns *t in UTC, or nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// nameOr is name, or "<kind> <id>" when name is blank: Pelion's clients
// may leave a name out, and our rules want one that is unique enough to
// tell objects apart in a list.
func nameOr(name, kind, id string) string {
	if strings.TrimSpace(name) == "" {
		return kind + " " + id
	}
	return name
}

// deref returns *p, or the zero value.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
