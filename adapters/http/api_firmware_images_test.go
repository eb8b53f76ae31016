package http_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/blobfs"
	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/adapters/memstore"
	"github.com/updateservice/updateservice/commands"
)

// imageAPI is the handler with the real image commands on a memstore,
// images read back from the commands, and blobs in a directory.
type imageAPI struct {
	*api
	store *memstore.Store
	dir   string
	reads *imageReads
}

func newImageAPI(t *testing.T, options ...func(*httpapi.Deps)) *imageAPI {
	t.Helper()
	store, dir := memstore.New(), t.TempDir()
	blobs, err := blobfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	reads := newImageReads(store)
	a := newAPI(t, append([]func(*httpapi.Deps){func(d *httpapi.Deps) {
		d.FirmwareImages, d.FirmwareImageReads, d.Blobs = commands.New(store, time.Now), reads, blobs
	}}, options...)...)
	return &imageAPI{api: a, store: store, dir: dir, reads: reads}
}

// blobs returns the names of the blob files in the directory.
func (a *imageAPI) blobs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(a.dir, "firmware-images"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// upload builds a multipart body of fields (name, value pairs) and, with
// a file name, a datafile part of content.
func upload(t *testing.T, file string, content []byte, fields ...string) (body []byte, contentType string) {
	t.Helper()
	var parts []apitest.Part
	for i := 0; i+1 < len(fields); i += 2 {
		parts = append(parts, apitest.Part{Name: fields[i], Content: []byte(fields[i+1])})
	}
	if file != "" {
		parts = append(parts, apitest.Part{Name: "datafile", FileName: file, Content: content})
	}
	return apitest.Multipart(t, parts...)
}

// firmware is an image's content: 100 KiB of varied bytes.
func firmware() []byte {
	b := make([]byte, 100<<10)
	for i := range b {
		b[i] = byte(i * 7 % 251)
	}
	return b
}

func TestAnUploadedImageIsMeasuredAndDownloaded(t *testing.T) {
	a := newImageAPI(t)
	content := firmware()
	body, ctype := upload(t, "sensor-2.bin", content, "description", "sensor firmware 2")
	obj := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/firmware-images", body, "Content-Type", ctype))
	sum := sha256.Sum256(content)
	id := obj["id"].(string)
	want := map[string]any{"object": "firmware-image", "id": id, "name": "sensor-2.bin", "description": "sensor firmware 2",
		"datafile": "http://example.com/v3/firmware-images/" + id + "/datafile", "datafile_checksum": hex.EncodeToString(sum[:]),
		"datafile_size": float64(len(content))}
	for field, v := range want {
		if diff := cmp.Diff(v, obj[field]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", field, diff)
		}
	}
	for _, field := range []string{"created_at", "updated_at", "etag"} {
		if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(obj[field])); err != nil {
			t.Errorf("%s = %v, want a date-time: %v", field, obj[field], err)
		}
	}

	path := "/v3/firmware-images/" + id + "/datafile"
	whole := a.Must(http.StatusOK, "GET", path, nil)
	if !bytes.Equal(whole.Body.Bytes(), content) {
		t.Errorf("download has %d bytes, not the %d uploaded", whole.Body.Len(), len(content))
	}
	etag := whole.Header().Get("ETag")
	if etag != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Errorf("ETag = %s, want the quoted SHA-256", etag)
	}
	part := a.Must(http.StatusPartialContent, "GET", path, nil, "Range", "bytes=1000-1999")
	if !bytes.Equal(part.Body.Bytes(), content[1000:2000]) {
		t.Errorf("range 1000-1999 has %d bytes, not those uploaded", part.Body.Len())
	}
	a.Must(http.StatusNotModified, "GET", path, nil, "If-None-Match", etag)
}

func TestANameGivenIsKept(t *testing.T) {
	a := newImageAPI(t)
	body, ctype := upload(t, "a.bin", firmware(), "name", "Sensor 2")
	obj := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/firmware-images", body, "Content-Type", ctype))
	if obj["name"] != "Sensor 2" {
		t.Errorf("name = %v, want the one given", obj["name"])
	}
}

func TestUploadsRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		limit  int64
		body   func(t *testing.T) ([]byte, string)
		status int
	}{
		{name: "a body that is not multipart is refused", status: http.StatusBadRequest,
			body: func(*testing.T) ([]byte, string) { return []byte(`{"name":"x"}`), "application/json" }},
		{name: "an upload without a datafile is refused", status: http.StatusBadRequest,
			body: func(t *testing.T) ([]byte, string) { return upload(t, "", nil, "name", "x") }},
		{name: "an empty datafile is refused", status: http.StatusBadRequest,
			body: func(t *testing.T) ([]byte, string) { return upload(t, "a.bin", nil) }},
		{name: "two datafiles are refused", status: http.StatusBadRequest, body: func(t *testing.T) ([]byte, string) {
			part := apitest.Part{Name: "datafile", FileName: "a.bin", Content: []byte("content")}
			return apitest.Multipart(t, part, part)
		}},
		{name: "a file over the service's maximum is too large", limit: 1000, status: http.StatusRequestEntityTooLarge,
			body: func(t *testing.T) ([]byte, string) { return upload(t, "a.bin", firmware()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newImageAPI(t, func(d *httpapi.Deps) { d.MaxImageBytes = tc.limit })
			body, ctype := tc.body(t)
			a.Must(tc.status, "POST", "/v3/firmware-images", body, "Content-Type", ctype)
			if got := a.blobs(t); len(got) != 0 {
				t.Errorf("blobs left: %v", got)
			}
			if got := recorded(t, a.store); len(got) != 0 {
				t.Errorf("%d events recorded, want none", len(got))
			}
		})
	}
}

func TestAnImageOverTheAccountsPayloadLimitIsTooLarge(t *testing.T) {
	a := newImageAPI(t, func(d *httpapi.Deps) { d.MaxImageBytes = 1 << 30 })
	cmds := commands.New(a.store, time.Now)
	if _, err := cmds.SetFirmwareLimits(context.Background(), commands.SetFirmwareLimits{Meta: commands.Meta{Account: "acme"}, MaxPayloadBytes: 50_000}); err != nil {
		t.Fatal(err)
	}
	body, ctype := upload(t, "a.bin", firmware())
	e := apitest.ErrorOf(t, a.Call("POST", "/v3/firmware-images", acmeKey, body, "Content-Type", ctype), http.StatusRequestEntityTooLarge)
	if e.Message != "the image is larger than the limit of 50000 bytes" {
		t.Errorf("message = %q", e.Message)
	}
	if got := a.blobs(t); len(got) != 0 {
		t.Errorf("blobs left: %v", got)
	}
}

func TestAnotherAccountsImageIsNotFound(t *testing.T) {
	a := newImageAPI(t)
	body, ctype := upload(t, "a.bin", firmware())
	id := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/firmware-images", body, "Content-Type", ctype))["id"].(string)
	for _, route := range []struct{ method, path string }{
		{"GET", "/v3/firmware-images/" + id}, {"GET", "/v3/firmware-images/" + id + "/datafile"}, {"DELETE", "/v3/firmware-images/" + id},
	} {
		apitest.ErrorOf(t, a.Call(route.method, route.path, globexKey, nil), http.StatusNotFound)
	}
	a.Must(http.StatusOK, "GET", "/v3/firmware-images/"+id+"/datafile", nil)
}

func TestADeletedImageAndItsBlobAreGone(t *testing.T) {
	a := newImageAPI(t)
	body, ctype := upload(t, "a.bin", firmware())
	id := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/firmware-images", body, "Content-Type", ctype))["id"].(string)
	if got := a.blobs(t); len(got) != 1 {
		t.Fatalf("blobs after the upload: %v, want one", got)
	}
	a.Must(http.StatusNoContent, "DELETE", "/v3/firmware-images/"+id, nil)
	if got := a.blobs(t); len(got) != 0 {
		t.Errorf("blobs after the delete: %v, want none", got)
	}
	a.Must(http.StatusNotFound, "GET", "/v3/firmware-images/"+id+"/datafile", nil)
	a.Must(http.StatusNotFound, "DELETE", "/v3/firmware-images/"+id, nil)
}

func TestTheImageListTakesPelionsListParameters(t *testing.T) {
	a := newImageAPI(t)
	a.Must(http.StatusOK, "GET", "/v3/firmware-images?limit=5&order=DESC&include=total_count&datafile_size__gte=10", nil)
	if len(a.reads.lists) != 1 || a.reads.lists[0].Limit != 5 || len(a.reads.lists[0].Filter) != 1 {
		t.Errorf("list requests = %+v, want one of limit 5 with one filter", a.reads.lists)
	}
	a.Must(http.StatusBadRequest, "GET", "/v3/firmware-images?order=sideways", nil)
}
