package http

import (
	"net/http"
	"strconv"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// manifestFileURL is where the manifest's uploaded file (which
// "datafile") or key table ("key_table") is served, on the host the
// upload r was sent to (https when it came over TLS or a proxy says so).
// It is recorded with the manifest, absolute as Pelion's URLs are, so
// that campaigns' root_manifest_url and analytics read it as it is.
func manifestFileURL(r *http.Request, id domain.ManifestID, which string) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/v3/firmware-manifests/" + string(id) + "/" + which
}

// getManifestDatafile answers the manifest file uploaded with one of the
// account's manifests; 404 for a manifest registered by its fields.
func (d Deps) getManifestDatafile(w http.ResponseWriter, r *http.Request) {
	d.serveManifestFile(w, r, "datafile", func(f projections.ManifestFiles) []byte { return f.Datafile })
}

// getManifestKeyTable answers the key table uploaded with one of the
// account's manifests; 404 when it has none.
func (d Deps) getManifestKeyTable(w http.ResponseWriter, r *http.Request) {
	d.serveManifestFile(w, r, "key_table", func(f projections.ManifestFiles) []byte { return f.KeyTable })
}

func (d Deps) serveManifestFile(w http.ResponseWriter, r *http.Request, which string, pick func(projections.ManifestFiles) []byte) {
	id := manifestID(r)
	files, err := d.ManifestReads.ManifestFiles(r.Context(), accountOf(r.Context()), id)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	content := pick(files)
	if content == nil {
		writeError(w, r, d.Log, domain.NotFoundError{Object: "firmware manifest " + which, ID: string(id)})
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.Header().Set("Content-Disposition", `attachment; filename="`+string(id)+"."+which+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(content)
}
