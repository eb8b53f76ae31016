package http

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"path"

	"github.com/go-chi/chi/v5"
)

// consoleFiles are the operator's console: one page, its script and its
// style, served as they are (no build step, nothing from another origin).
//
//go:embed console
var consoleFiles embed.FS

// consoleTemplate is the console's one page; the script reads which view
// to show (the list, or one campaign) from it.
var consoleTemplate = template.Must(template.ParseFS(consoleFiles, "console/index.html"))

// consoleCSP lets the page run its own script and style only, and talk
// to its own origin only: nothing inline, nothing from elsewhere, no
// framing, so an injected string cannot run or send the key away.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// consoleTypes are the content types of the console's assets.
var consoleTypes = map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

// consolePage answers the console's page: the campaign list at /console,
// a campaign at /console/campaigns/{id}. It holds no data of an account,
// so it needs no key; its script asks the operator for one.
func (d Deps) consolePage(w http.ResponseWriter, r *http.Request) {
	var page bytes.Buffer
	if err := consoleTemplate.Execute(&page, struct{ Campaign string }{chi.URLParam(r, "id")}); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	consoleHeaders(w, "text/html; charset=utf-8")
	_, _ = w.Write(page.Bytes())
}

// consoleAsset answers the console's script or style.
func consoleAsset(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.URL.Path)
	data, err := consoleFiles.ReadFile("console/" + name)
	if err != nil { // every asset route names an embedded file
		http.NotFound(w, r)
		return
	}
	consoleHeaders(w, consoleTypes[path.Ext(name)])
	_, _ = w.Write(data)
}

// consoleHeaders are the headers of every console answer. no-cache: a new
// release's script is taken at once, after a check.
func consoleHeaders(w http.ResponseWriter, contentType string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Frame-Options", "DENY")
}
