package http_test

import (
	"net/http"
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
