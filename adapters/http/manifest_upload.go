package http

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// maxUploadText bounds a manifest upload's name and description parts;
// the domain's own limits (128 and 2,000 characters) are far below it.
const maxUploadText = 16 << 10

// manifestUpload is a manifest file upload's parts, as Pelion's clients
// send them: datafile (the DER manifest, required), key_table, name and
// description.
type manifestUpload struct {
	name, description string
	fileName          string // the datafile part's file name
	datafile          []byte
	keyTable          []byte
}

// uploadManifest registers a manifest from its file: every field but the
// name and description is the file's (domain.ManifestFileSpec). The file
// and key table are kept and served at the manifest's datafile and
// key_table URLs. An omitted name is the file's name.
func (d Deps) uploadManifest(w http.ResponseWriter, r *http.Request) {
	up, err := readManifestUpload(r)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	spec, err := domain.ManifestFileSpec(up.datafile)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	id := domain.ManifestID(newID(r, "manifest"))
	spec.Name, spec.Description, spec.KeyTable = up.name, up.description, up.keyTable
	if strings.TrimSpace(spec.Name) == "" {
		spec.Name = fileNameOr(path.Base(strings.ReplaceAll(up.fileName, `\`, "/")), nameOr("", "manifest", string(id)))
	}
	if spec.Timestamp.IsZero() { // a v3 file has no timestamp: the upload's time
		spec.Timestamp = time.Now().UTC()
	}
	spec.DatafileURL = manifestFileURL(r, id, "datafile")
	if up.keyTable != nil {
		spec.KeyTableURL = manifestFileURL(r, id, "key_table")
	}
	d.registerManifest(w, r, id, spec)
}

// fileNameOr is s, or fallback when s names no file.
func fileNameOr(s, fallback string) string {
	if s == "" || s == "." || s == "/" {
		return fallback
	}
	return s
}

// readManifestUpload reads the parts of a manifest upload, each up to its
// limit: a datafile over 2 KB is a 400 naming it, as Pelion answers; a key
// table over domain.MaxKeyTableSize, like a body over the route's limit,
// a 413. A part the upload does not have, or one sent twice, is refused.
func readManifestUpload(r *http.Request) (manifestUpload, error) {
	var up manifestUpload
	mr, err := r.MultipartReader()
	if err != nil {
		return up, domain.InvalidError{Field: "body", Reason: "is not a multipart/form-data body: " + err.Error()}
	}
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return up, partError("body", err)
		}
		name := part.FormName()
		if seen[name] {
			return up, domain.InvalidError{Field: name, Reason: "is sent twice"}
		}
		seen[name] = true
		if err := up.read(name, part); err != nil {
			return up, err
		}
	}
	if up.datafile == nil {
		return up, domain.InvalidError{Field: "datafile", Reason: "is required: the manifest file (DER)"}
	}
	return up, nil
}

// read reads one part into the upload.
func (up *manifestUpload) read(name string, part *multipart.Part) error {
	var err error
	switch name {
	case "datafile":
		up.fileName = part.FileName()
		if up.datafile, err = readPart(part, name, domain.MaxManifestFileSize); errors.As(err, new(tooLargeError)) {
			return domain.InvalidError{Field: name, Reason: fmt.Sprintf("is larger than the %d bytes a manifest file may have", domain.MaxManifestFileSize)}
		}
	case "key_table":
		if up.keyTable, err = readPart(part, name, domain.MaxKeyTableSize); errors.As(err, new(tooLargeError)) {
			return statusError{http.StatusRequestEntityTooLarge, "request_entity_too_large",
				fmt.Sprintf("key_table is larger than the %d bytes a key table may have", domain.MaxKeyTableSize)}
		}
	case "name", "description":
		var text []byte
		text, err = readPart(part, name, maxUploadText)
		if name == "name" {
			up.name = string(text)
		} else {
			up.description = string(text)
		}
	default:
		return domain.InvalidError{Field: name, Reason: "is not a part of a manifest upload (datafile, key_table, name, description)"}
	}
	return err
}

// tooLargeError says a part is larger than its limit.
type tooLargeError struct{ limit int }

func (e tooLargeError) Error() string { return "is larger than " + strconv.Itoa(e.limit) + " bytes" }

// readPart reads a part of at most limit bytes, never more than one byte
// past the limit.
func readPart(part *multipart.Part, name string, limit int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(part, int64(limit)+1))
	if err != nil {
		return nil, partError(name, err)
	}
	if len(b) > limit {
		return nil, tooLargeError{limit}
	}
	return b, nil
}

// partError is a multipart body that could not be read: a body over the
// route's limit stays itself (413); anything else is malformed (400).
func partError(name string, err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	return domain.InvalidError{Field: name, Reason: "is not a readable multipart part: " + err.Error()}
}
