package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"testing"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// An image sent as an upload job in three chunks is listed chunk by chunk
// in the read models, composed whole on completion and downloaded as
// sent; the job deleted is gone: on every blob store.
func TestUploadJobsOnEveryBlobStore(t *testing.T) {
	for name, newBlobs := range blobStores {
		t.Run(name, func(t *testing.T) {
			blobs := newBlobs(t)
			a := newAPI(t, func(d *httpapi.Deps) { d.Blobs, d.MaxImageBytes = blobs, 64<<20 })
			content := make([]byte, 2<<20+4321)
			_, _ = rand.NewChaCha8([32]byte{9}).Read(content)
			job := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/firmware-images/upload-jobs", map[string]any{"name": "big.bin"}))
			path := "/v3/firmware-images/upload-jobs/" + job["id"].(string)
			for _, c := range [][]byte{content[:1<<20], content[1<<20 : 2<<20], content[2<<20:]} {
				a.Must(http.StatusCreated, "POST", path+"/chunks", c)
			}
			page := apitest.PageOf(t, a.Must(http.StatusOK, "GET", path+"/chunks?limit=2&include=total_count", nil))
			if ids := page.IDs("id"); len(ids) != 2 || !page.HasMore || page.TotalCount == nil || *page.TotalCount != 3 {
				t.Errorf("first page of chunks: %v, has_more %t, total %v; want 2 of 3", ids, page.HasMore, page.TotalCount)
			}
			chunk := apitest.Object(t, a.Must(http.StatusOK, "GET", path+"/chunks/2", nil))
			if chunk["length"] != float64(4321) || chunk["upload_job_id"] != job["id"] {
				t.Errorf("chunk 2 = %v", chunk)
			}
			apitest.ErrorOf(t, a.Call("GET", path+"/chunks/2", globexKey, nil), http.StatusNotFound)

			a.Must(http.StatusCreated, "POST", path+"/chunks", nil)
			done := apitest.Object(t, a.Must(http.StatusOK, "GET", path, nil))
			image, _ := done["firmware_image_id"].(string)
			sum := sha256.Sum256(content)
			img := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/firmware-images/"+image, nil))
			if done["status"] != "completed" || img["datafile_checksum"] != hex.EncodeToString(sum[:]) || img["datafile_size"] != float64(len(content)) {
				t.Errorf("job %v made image %v; want it completed, of the chunks' SHA-256 and size", done, img)
			}
			if got := a.Must(http.StatusOK, "GET", "/v3/firmware-images/"+image+"/datafile", nil); !bytes.Equal(got.Body.Bytes(), content) {
				t.Errorf("download of %d bytes differs from the %d sent in chunks", got.Body.Len(), len(content))
			}

			a.Must(http.StatusNoContent, "DELETE", path, nil)
			a.Must(http.StatusNotFound, "GET", path, nil)
			a.Must(http.StatusNotFound, "GET", path+"/chunks", nil)
			if _, err := blobs.Open(context.Background(), "firmware-images/"+image); errors.Is(err, fs.ErrNotExist) {
				t.Error("the image's blob went with its job")
			}
		})
	}
}
