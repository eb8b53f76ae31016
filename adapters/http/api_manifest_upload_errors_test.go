package http_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	mft "github.com/updateservice/updateservice/domain/manifestfile/manifestfiletest"
)

func TestAManifestUploadThatCannotBeReadIsRefusedNamingTheProblem(t *testing.T) {
	good := manifestDER(t, mft.V3(mft.Example()))
	wrongVersion := mft.V3(mft.Example())
	wrongVersion.ManifestVersion = 2
	file := func(content []byte) apitest.Part {
		return apitest.Part{Name: "datafile", FileName: "m.der", Content: content}
	}
	for _, tc := range []struct {
		name    string
		parts   []apitest.Part
		field   string
		message string // a part of the error's message
	}{
		{"an upload without a datafile", []apitest.Part{{Name: "name", Content: []byte("fw")}}, "datafile", "is required"},
		{"a truncated file", []apitest.Part{file(good[:len(good)-3])}, "datafile", "SignedResource"},
		{"a file of schema version 2", []apitest.Part{file(manifestDER(t, wrongVersion))}, "datafile", "manifest v3: manifest-version: is 2"},
		{"a file with bytes after the manifest", []apitest.Part{file(append(good, 1, 2))}, "datafile", "2 bytes follow"},
		{"a file over 2 KB", []apitest.Part{file(bytes.Repeat([]byte{0x30}, 2049))}, "datafile", "larger than the 2048 bytes"},
		{"a datafile sent twice", []apitest.Part{file(good), file(good)}, "datafile", "sent twice"},
		{"a part the upload does not have", []apitest.Part{file(good), {Name: "device_class", Content: []byte("c1")}}, "device_class", "not a part"},
		{"a name over 128 characters", []apitest.Part{file(good), {Name: "name", Content: []byte(strings.Repeat("n", 129))}}, "name", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cat := &catalog{}
			a := newAPI(t, withCatalog(cat))
			e := apitest.ErrorOf(t, a.upload(tc.parts...), http.StatusBadRequest)
			if fields := e.FieldNames(); len(fields) != 1 || fields[0] != tc.field || !strings.Contains(e.Message, tc.message) {
				t.Errorf("error %+v: want field %s and a message saying %q", e, tc.field, tc.message)
			}
			if len(cat.manifests) != 0 {
				t.Errorf("a refused upload registered %d manifests", len(cat.manifests))
			}
		})
	}
}

func TestAMultipartBodyThatIsNotOneIsRefused(t *testing.T) {
	a := newAPI(t, withCatalog(&catalog{}))
	rec := a.Call("POST", "/v3/firmware-manifests", acmeKey, []byte("not multipart"), "Content-Type", "multipart/form-data; boundary=xyz")
	if e := apitest.ErrorOf(t, rec, http.StatusBadRequest); e.Type != "validation_error" {
		t.Errorf("error %+v, want a validation_error", e)
	}
}

func TestAManifestUploadTooLargeIsRefusedWith413(t *testing.T) {
	good := manifestDER(t, mft.V3(mft.Example()))
	for _, tc := range []struct {
		name     string
		keyTable []byte
	}{
		{"a key table over 64 KiB", make([]byte, 64<<10+1)},
		{"a body over the route's 1 MiB", make([]byte, 1<<20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cat := &catalog{}
			a := newAPI(t, withCatalog(cat))
			rec := a.upload(apitest.Part{Name: "datafile", FileName: "m.der", Content: good},
				apitest.Part{Name: "key_table", FileName: "keys", Content: tc.keyTable})
			apitest.ErrorOf(t, rec, http.StatusRequestEntityTooLarge)
			if len(cat.manifests) != 0 {
				t.Errorf("a refused upload registered %d manifests", len(cat.manifests))
			}
		})
	}
}
