package http

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// manifestFilePath is where the manifest's uploaded file (which
// "datafile") or key table ("key_table") is served. It is recorded with
// the manifest, relative: the host is the one each request names.
func manifestFilePath(id domain.ManifestID, which string) string {
	return "/v3/firmware-manifests/" + string(id) + "/" + which
}

// publicURL makes a path this service serves absolute on the host r was
// sent to (https when it came over TLS or a proxy says so), as Pelion's
// URL fields are; an absolute URL, or none, is left as it is.
func publicURL(r *http.Request, ref string) string {
	if !strings.HasPrefix(ref, "/") {
		return ref
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + ref
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
