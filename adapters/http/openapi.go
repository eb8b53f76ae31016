package http

import (
	_ "embed" // the OpenAPI document
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"gopkg.in/yaml.v3"
)

// openAPIYAML is the OpenAPI 3 document of the whole API, written by hand
// next to the handlers; its tests hold it to routes.go and to every answer
// the handler tests see.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPI returns the OpenAPI 3 document of the API as JSON, as
// GET /openapi.json serves it.
var OpenAPI = sync.OnceValues(func() ([]byte, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	return json.Marshal(doc)
})

// serveOpenAPI answers the OpenAPI document. It describes the API and holds
// nothing of an account, so it is served without an API key, as a
// generated client's build fetches it.
func (d Deps) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	doc, err := OpenAPI()
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(doc)
}
