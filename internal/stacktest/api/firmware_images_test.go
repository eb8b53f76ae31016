package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/updateservice/updateservice/adapters/blobfs"
	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/adapters/s3"
)

// blobStores makes each blob store the service can run on: a directory,
// and S3 (an in-process S3 server over HTTPS).
var blobStores = map[string]func(t *testing.T) httpapi.Blobs{
	"directory": func(t *testing.T) httpapi.Blobs {
		store, err := blobfs.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return store
	},
	"s3": func(t *testing.T) httpapi.Blobs {
		server := httptest.NewTLSServer(gofakes3.New(s3mem.New()).Server())
		t.Cleanup(server.Close)
		u, err := url.Parse(server.URL)
		if err != nil {
			t.Fatal(err)
		}
		store, err := s3.New(context.Background(), s3.Config{Endpoint: u.Host, Bucket: "firmware", AccessKey: "a", SecretKey: "s",
			Region: "us-east-1", TLS: true, Transport: server.Client().Transport})
		if err != nil {
			t.Fatal(err)
		}
		return store
	},
}

// An image of some MiB goes in, comes back whole and by ranges, is listed
// and, once deleted, is gone with its blob: on every blob store.
func TestFirmwareImagesOnEveryBlobStore(t *testing.T) {
	for name, newBlobs := range blobStores {
		t.Run(name, func(t *testing.T) {
			blobs := newBlobs(t)
			a := newAPI(t, func(d *httpapi.Deps) { d.Blobs, d.MaxImageBytes = blobs, 64<<20 })
			content := make([]byte, 6<<20+123)
			_, _ = rand.NewChaCha8([32]byte{7}).Read(content)
			sum := sha256.Sum256(content)

			body, ctype := apitest.Multipart(t, apitest.Part{Name: "datafile", FileName: "sensor-3.bin", Content: content})
			img := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/firmware-images", body, "Content-Type", ctype))
			id := img["id"].(string)
			if img["datafile_checksum"] != hex.EncodeToString(sum[:]) || img["datafile_size"] != float64(len(content)) || img["name"] != "sensor-3.bin" {
				t.Errorf("image = %v", img)
			}
			got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/firmware-images/"+id, nil))
			if got["id"] != id || got["datafile"] != img["datafile"] || got["etag"] != img["etag"] {
				t.Errorf("read back %v, want %v", got, img)
			}
			page := apitest.PageOf(t, a.Must(http.StatusOK, "GET", fmt.Sprintf("/v3/firmware-images?include=total_count&datafile_size__gte=%d", len(content)), nil))
			if ids := page.IDs("id"); len(ids) != 1 || ids[0] != id {
				t.Errorf("listed %v, want [%s]", ids, id)
			}

			datafile := "/v3/firmware-images/" + id + "/datafile"
			whole := a.Must(http.StatusOK, "GET", datafile, nil)
			if !bytes.Equal(whole.Body.Bytes(), content) {
				t.Errorf("download of %d bytes differs from the %d uploaded", whole.Body.Len(), len(content))
			}
			for _, r := range []struct {
				header   string
				from, to int
			}{{"bytes=0-99", 0, 100}, {"bytes=5000000-5999999", 5_000_000, 6_000_000}, {"bytes=-1000", len(content) - 1000, len(content)}} {
				part := a.Must(http.StatusPartialContent, "GET", datafile, nil, "Range", r.header)
				if !bytes.Equal(part.Body.Bytes(), content[r.from:r.to]) {
					t.Errorf("range %s: %d bytes that differ from the upload's", r.header, part.Body.Len())
				}
			}
			a.Must(http.StatusNotModified, "GET", datafile, nil, "If-None-Match", whole.Header().Get("ETag"))
			apitest.ErrorOf(t, a.Call("GET", datafile, globexKey, nil), http.StatusNotFound)

			a.Must(http.StatusNoContent, "DELETE", "/v3/firmware-images/"+id, nil)
			a.Must(http.StatusNotFound, "GET", "/v3/firmware-images/"+id, nil)
			a.Must(http.StatusNotFound, "GET", datafile, nil)
			if _, err := blobs.Open(context.Background(), "firmware-images/"+id); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the deleted image's blob: %v, want it gone", err)
			}
		})
	}
}
