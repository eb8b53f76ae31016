package apitest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	httpapi "github.com/updateservice/updateservice/adapters/http"
)

// Document loads the API's OpenAPI document as the service serves it, and
// validates it.
var Document = sync.OnceValues(func() (*openapi3.T, error) {
	data, err := httpapi.OpenAPI()
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
})

// router finds a request's operation in the document.
var router = sync.OnceValues(func() (routers.Router, error) {
	// kin-openapi checks date-times by default, UUIDs only when asked; it
	// reads text/csv as comma-separated, and Campaigner's CSV is not; it
	// knows no decoder of the progress stream's and the console's types,
	// whose bodies are text.
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562))
	for _, text := range []string{"text/csv", "text/event-stream", "text/html", "text/javascript", "text/css"} {
		openapi3filter.RegisterBodyDecoder(text, openapi3filter.PlainBodyDecoder)
	}
	doc, err := Document()
	if err != nil {
		return nil, err
	}
	return gorillamux.NewRouter(doc)
})

// CheckAnswer fails the test unless rec, the answer to req, is one the
// OpenAPI document describes for req's route: a documented status (or
// the operation's default), its content type, and a body of its schema.
// An answer to a request the document has no route for (an unknown path
// or method) is not checked: the handler's own tests say what it is.
func CheckAnswer(t testing.TB, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	r, err := router()
	if err != nil { // Errorf: a test may call from its own goroutines
		t.Errorf("the OpenAPI document: %v", err)
		return
	}
	found := req.Clone(req.Context())
	if p := strings.TrimSuffix(found.URL.Path, "/"); p != "" {
		found.URL.Path = p // the API takes paths with a trailing slash too
	}
	route, params, err := r.FindRoute(found)
	if err != nil {
		return
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: found, PathParams: params, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(strings.NewReader(rec.Body.String())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), input); err != nil {
		t.Errorf("%s %s answered %d, not as the OpenAPI document says: %v\nbody: %s", req.Method, req.URL, rec.Code, err, rec.Body)
	}
}
