package http_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// The OpenAPI document is a valid OpenAPI 3 document, served as JSON at
// /openapi.json without an API key.
func TestTheOpenAPIDocumentIsValidAndServedWithoutAKey(t *testing.T) {
	if _, err := apitest.Document(); err != nil {
		t.Fatalf("the OpenAPI document: %v", err)
	}
	a := newAPI(t)
	rec := a.Call("GET", "/openapi.json", "", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if got := apitest.Object(t, rec); got["openapi"] != "3.0.3" {
		t.Errorf("openapi = %v, want 3.0.3", got["openapi"])
	}
}

// Every route the router serves, with every optional part set (firmware
// images need a blob store), is in the document with its method, and every
// operation of the document is served: the document is the API's whole
// surface, as routes.go is.
func TestTheOpenAPIDocumentListsEveryRoute(t *testing.T) {
	doc, err := apitest.Document()
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		if item.Extensions["x-served-by"] != nil {
			continue // served next to the API, by the binary (/metrics)
		}
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	var served []string
	err = chi.Walk(newImageAPI(t).Handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served = append(served, method+" "+strings.TrimSuffix(route, "/"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if diff := cmp.Diff(served, documented); diff != "" {
		t.Errorf("routes served (-) and documented (+):\n%s", diff)
	}
}

// failures is a testing.TB that keeps what the test would report.
type failures struct {
	testing.TB
	reported []string
}

func (f *failures) Helper() {}

func (f *failures) Errorf(format string, args ...any) {
	f.reported = append(f.reported, fmt.Sprintf(format, args...))
}

// The check of every answer finds the answers the document does not
// describe: a field of another type, a status not documented, another
// content type; and takes one that it does. Were the document's routes
// never found, every answer would pass unchecked.
func TestAnAnswerUnlikeTheDocumentFailsTheTest(t *testing.T) {
	stats := `{"campaign":"0157f3a2-b6c9-4d5e-8f0a-1b2c3d4e5f60","status":"prepared","processed":%s,"affected":0,"cancelled":0,` +
		`"finished":0,"failed":0,"successful":0,"failures":[]}`
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		fails                   bool
	}{
		{"an answer as documented", "application/json", fmt.Sprintf(stats, "3"), http.StatusOK, false},
		{"a count that is a string", "application/json", fmt.Sprintf(stats, `"3"`), http.StatusOK, true},
		{"a status answered with another body", "application/json", fmt.Sprintf(stats, "3"), http.StatusCreated, true},
		{"another content type", "text/plain", "3 processed", http.StatusOK, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/v2/campaigns/0157f3a2-b6c9-4d5e-8f0a-1b2c3d4e5f60/stats/", nil)
			rec := httptest.NewRecorder()
			rec.Header().Set("Content-Type", tc.contentType)
			rec.WriteHeader(tc.status)
			_, _ = rec.WriteString(tc.body)
			f := &failures{TB: t}
			apitest.CheckAnswer(f, req, rec)
			if failed := len(f.reported) > 0; failed != tc.fails {
				t.Errorf("reported %q, want a failure: %v", f.reported, tc.fails)
			}
		})
	}
}
