// Package apitest holds what the HTTP API's tests share, on fakes or on
// the whole stack: a client that sends requests straight to the handler,
// and decoders of Pelion's answers that fail the test on a malformed one.
package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
)

// Client sends requests to Handler, as the account of Key unless a call
// names another key.
type Client struct {
	T       testing.TB
	Handler http.Handler
	Key     string
}

// Call sends a request with key (none if empty) and a JSON body (none if
// nil; raw bytes as they are), and headers as name, value pairs. Every
// answer is checked against the OpenAPI document (CheckAnswer).
func (c Client) Call(method, path, key string, body any, headers ...string) *httptest.ResponseRecorder {
	c.T.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.T.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	c.Handler.ServeHTTP(rec, req)
	CheckAnswer(c.T, req, rec)
	return rec
}

// Must sends a request with the client's key and fails the test unless it
// answers status.
func (c Client) Must(status int, method, path string, body any, headers ...string) *httptest.ResponseRecorder {
	c.T.Helper()
	rec := c.Call(method, path, c.Key, body, headers...)
	if rec.Code != status {
		c.T.Fatalf("%s %s: status %d, want %d; body %s", method, path, rec.Code, status, rec.Body)
	}
	return rec
}

// Object decodes a JSON object answer.
func Object(t testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	return m
}

// Pick returns the fields of an answer that want names, to compare with
// want: the fields a test is about, whatever else the answer holds.
func Pick(got, want map[string]any) map[string]any {
	out := map[string]any{}
	for k := range want {
		if v, ok := got[k]; ok {
			out[k] = v
		}
	}
	return out
}

// Error is Pelion's error object.
type Error struct {
	Object    string `json:"object"`
	Code      int    `json:"code"`
	Type      string `json:"type"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	Fields    []struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"fields"`
}

// ErrorOf checks that rec is an error object of status and returns it.
func ErrorOf(t testing.TB, rec *httptest.ResponseRecorder, status int) Error {
	t.Helper()
	var e Error
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if rec.Code != status || e.Object != "error" || e.Code != status || e.Type == "" || e.Message == "" || e.RequestID == "" {
		t.Errorf("status %d, error object %+v; want an error object of %d", rec.Code, e, status)
	}
	return e
}

// FieldNames lists the names of an error's fields.
func (e Error) FieldNames() []string {
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Name)
	}
	return out
}

// Page is Pelion's list object.
type Page struct {
	Object     string           `json:"object"`
	Data       []map[string]any `json:"data"`
	HasMore    bool             `json:"has_more"`
	TotalCount *int64           `json:"total_count"`
	After      *string          `json:"after"`
	Limit      int              `json:"limit"`
	Order      string           `json:"order"`
}

// PageOf decodes a list answer, failing the test on anything else.
func PageOf(t testing.TB, rec *httptest.ResponseRecorder) Page {
	t.Helper()
	var p Page
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Object != "list" {
		t.Fatalf("body %q is not a list: %v", rec.Body, err)
	}
	return p
}

// IDs lists the field of every item of a page.
func (p Page) IDs(field string) []string {
	out := make([]string, len(p.Data))
	for i, d := range p.Data {
		out[i], _ = d[field].(string)
	}
	return out
}

// CampaignerError is Campaigner's error object, every /api/v2 route's.
type CampaignerError struct {
	Code        string  `json:"code"`
	Description string  `json:"description"`
	Cause       *string `json:"cause"`
	ErrorID     string  `json:"errorId"`
}

// CampaignerErrorOf checks that rec is Campaigner's error object of status
// and code, with a description and a UUID errorId, and returns it.
func CampaignerErrorOf(t testing.TB, rec *httptest.ResponseRecorder, status int, code string) CampaignerError {
	t.Helper()
	var e CampaignerError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if _, err := uuid.Parse(e.ErrorID); rec.Code != status || e.Code != code || e.Description == "" || err != nil {
		t.Errorf("status %d, error %s; want Campaigner's error object of %d with code %s", rec.Code, rec.Body, status, code)
	}
	if !bytes.Contains(rec.Body.Bytes(), []byte(`"cause":null`)) {
		t.Errorf("error %s has no cause: null", rec.Body)
	}
	return e
}
