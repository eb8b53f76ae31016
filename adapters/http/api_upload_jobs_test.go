package http_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/commands"
)

// uploadJobAPI is imageAPI with the upload job routes' commands and reads
// on the same memstore.
type uploadJobAPI struct {
	*imageAPI
	jobs *uploadJobReads
}

func newUploadJobAPI(t *testing.T) *uploadJobAPI {
	t.Helper()
	var jobs *uploadJobReads
	a := newImageAPI(t, func(d *httpapi.Deps) {
		cmds := d.FirmwareImages.(*commands.Handlers)
		jobs = &uploadJobReads{cmds: cmds}
		d.UploadJobs, d.UploadJobReads = cmds, jobs
	})
	return &uploadJobAPI{imageAPI: a, jobs: jobs}
}

// chunkBlobs returns the names of the chunk blobs left in the directory.
func (a *uploadJobAPI) chunkBlobs(t *testing.T) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(filepath.Join(a.dir, "upload-jobs"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, d.Name())
		}
		if os.IsNotExist(err) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// newJob creates a job and returns its chunks' path.
func (a *uploadJobAPI) newJob(t *testing.T) string {
	t.Helper()
	job := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/firmware-images/upload-jobs", map[string]any{"name": "big.bin", "description": "v3"}))
	return "/v3/firmware-images/upload-jobs/" + job["id"].(string)
}

func md5Of(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func TestAnImageUploadedInChunksIsComposedAndDownloaded(t *testing.T) {
	a := newUploadJobAPI(t)
	content := firmware()
	job := a.newJob(t)
	chunks := [][]byte{content[:40000], content[40000:80000], content[80000:]}
	for i, c := range chunks {
		info := apitest.Object(t, a.Must(http.StatusCreated, "POST", job+"/chunks", c, "Content-MD5", md5Of(c)))
		want := map[string]any{"object": "upload-info", "id": float64(i), "length": float64(len(c)), "hash": md5Of(c)}
		for field, v := range want {
			if diff := cmp.Diff(v, info[field]); diff != "" {
				t.Errorf("chunk %d's %s (-want +got):\n%s", i, field, diff)
			}
		}
	}
	listed := apitest.Object(t, a.Must(http.StatusOK, "GET", job+"/chunks", nil))
	if n := len(listed["data"].([]any)); n != 3 {
		t.Errorf("chunks listed: %d, want 3", n)
	}
	a.Must(http.StatusOK, "GET", job+"/chunks/1", nil)

	a.Must(http.StatusCreated, "POST", job+"/chunks", nil)

	got := apitest.Object(t, a.Must(http.StatusOK, "GET", job, nil))
	if got["complete"] != true || got["status"] != "completed" || got["firmware_image_id"] == nil {
		t.Fatalf("job after its empty chunk = %v, want it completed with an image", got)
	}
	img := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/firmware-images/"+got["firmware_image_id"].(string), nil))
	sum := sha256.Sum256(content)
	if img["name"] != "big.bin" || img["datafile_checksum"] != hex.EncodeToString(sum[:]) || img["datafile_size"] != float64(len(content)) {
		t.Errorf("image = %v, want big.bin of the chunks' SHA-256 and size", img)
	}
	download := a.Must(http.StatusOK, "GET", "/v3/firmware-images/"+got["firmware_image_id"].(string)+"/datafile", nil)
	if !bytes.Equal(download.Body.Bytes(), content) {
		t.Errorf("download has %d bytes, not the %d uploaded in chunks", download.Body.Len(), len(content))
	}
	if left := a.chunkBlobs(t); len(left) != 0 {
		t.Errorf("chunk blobs left after completion: %v", left)
	}
}

func TestAChunkWhoseMD5IsWrongIsRefusedAndNotKept(t *testing.T) {
	a := newUploadJobAPI(t)
	job := a.newJob(t)
	before := len(recorded(t, a.store))

	e := apitest.ErrorOf(t, a.Call("POST", job+"/chunks", acmeKey, []byte("chunk"), "Content-MD5", md5Of([]byte("other"))), http.StatusBadRequest)

	if e.Fields[0].Name != "Content-MD5" {
		t.Errorf("error fields = %+v, want Content-MD5", e.Fields)
	}
	if left := a.chunkBlobs(t); len(left) != 0 {
		t.Errorf("chunk blobs left: %v", left)
	}
	if got := len(recorded(t, a.store)); got != before {
		t.Errorf("%d events recorded by the refused chunk", got-before)
	}
	a.Must(http.StatusBadRequest, "POST", job+"/chunks", []byte("chunk"), "Content-MD5", "not base64!")
}

func TestACompletedJobTakesNoChunk(t *testing.T) {
	a := newUploadJobAPI(t)
	job := a.newJob(t)
	a.Must(http.StatusCreated, "POST", job+"/chunks", []byte("chunk"))
	a.Must(http.StatusCreated, "POST", job+"/chunks", nil)

	apitest.ErrorOf(t, a.Call("POST", job+"/chunks", acmeKey, []byte("more")), http.StatusConflict)
	apitest.ErrorOf(t, a.Call("POST", job+"/chunks", acmeKey, nil), http.StatusConflict)
}

func TestAJobWithoutChunksCannotComplete(t *testing.T) {
	a := newUploadJobAPI(t)
	job := a.newJob(t)
	a.Must(http.StatusBadRequest, "POST", job+"/chunks", nil)
	if got := a.blobs(t); len(got) != 0 {
		t.Errorf("image blobs left: %v", got)
	}
}

func TestAnotherAccountsJobIsNotFound(t *testing.T) {
	a := newUploadJobAPI(t)
	job := a.newJob(t)
	a.Must(http.StatusCreated, "POST", job+"/chunks", []byte("chunk"))
	for _, route := range []struct {
		method, path string
		body         any
	}{
		{"GET", job, nil}, {"PUT", job, map[string]any{"name": "mine"}}, {"DELETE", job, nil},
		{"POST", job + "/chunks", []byte("x")}, {"POST", job + "/chunks", nil}, {"GET", job + "/chunks", nil}, {"GET", job + "/chunks/0", nil},
	} {
		apitest.ErrorOf(t, a.Call(route.method, route.path, globexKey, route.body), http.StatusNotFound)
	}
	a.Must(http.StatusOK, "GET", job+"/chunks/0", nil)
}

func TestAJobIsRenamedAndDeletedWithItsChunks(t *testing.T) {
	a := newUploadJobAPI(t)
	job := a.newJob(t)
	a.Must(http.StatusCreated, "POST", job+"/chunks", []byte("chunk"))
	got := apitest.Object(t, a.Must(http.StatusOK, "PUT", job, map[string]any{"name": "renamed", "description": "d"}))
	if got["name"] != "renamed" || got["complete"] != false || got["status"] != "in_progress" || got["firmware_image_id"] != nil {
		t.Errorf("renamed job = %v", got)
	}
	if left := a.chunkBlobs(t); len(left) != 1 {
		t.Fatalf("chunk blobs before the delete: %v, want one", left)
	}
	a.Must(http.StatusNoContent, "DELETE", job, nil)
	if left := a.chunkBlobs(t); len(left) != 0 {
		t.Errorf("chunk blobs after the delete: %v, want none", left)
	}
	a.Must(http.StatusNotFound, "GET", job, nil)
}

func TestAChunkPastTheAccountsLimitIsTooLarge(t *testing.T) {
	a := newUploadJobAPI(t)
	cmds := commands.New(a.store, time.Now)
	if _, err := cmds.SetFirmwareLimits(context.Background(), commands.SetFirmwareLimits{Meta: commands.Meta{Account: "acme"}, MaxPayloadBytes: 10}); err != nil {
		t.Fatal(err)
	}
	job := a.newJob(t)
	a.Must(http.StatusCreated, "POST", job+"/chunks", []byte("123456"))

	a.Must(http.StatusRequestEntityTooLarge, "POST", job+"/chunks", []byte("12345"))

	if left := a.chunkBlobs(t); len(left) != 1 {
		t.Errorf("chunk blobs: %v, want the first only", left)
	}
}

func TestTheUploadJobListTakesPelionsListParameters(t *testing.T) {
	a := newUploadJobAPI(t)
	a.Must(http.StatusOK, "GET", "/v3/firmware-images/upload-jobs?limit=5&order=DESC&include=total_count", nil)
	if len(a.jobs.lists) != 1 || a.jobs.lists[0].Limit != 5 || !a.jobs.lists[0].IncludeTotal {
		t.Errorf("list requests = %+v, want one of limit 5 with the total", a.jobs.lists)
	}
	a.Must(http.StatusBadRequest, "GET", "/v3/firmware-images/upload-jobs?order=sideways", nil)
}

func TestAChunkNumberedWithItsIDIsAppendedOnce(t *testing.T) {
	a := newUploadJobAPI(t)
	job := a.newJob(t)
	first := apitest.Object(t, a.Must(http.StatusCreated, "POST", job+"/chunks", []byte("chunk 0"), "X-Chunk-Id", "0"))

	again := apitest.Object(t, a.Must(http.StatusCreated, "POST", job+"/chunks", []byte("chunk 0"), "X-Chunk-Id", "0"))
	withMD5 := apitest.Object(t, a.Must(http.StatusCreated, "POST", job+"/chunks", []byte("chunk 0"), "X-Chunk-Id", "0",
		"Content-MD5", md5Of([]byte("chunk 0"))))

	for _, resent := range []map[string]any{again, withMD5} {
		if diff := cmp.Diff(first, resent); diff != "" {
			t.Errorf("a resent chunk's answer (-first +resent):\n%s", diff)
		}
	}
	if left := a.chunkBlobs(t); len(left) != 1 {
		t.Errorf("chunk blobs: %v, want one", left)
	}
	apitest.ErrorOf(t, a.Call("POST", job+"/chunks", acmeKey, []byte("other 0"), "X-Chunk-Id", "0"), http.StatusConflict)
	apitest.ErrorOf(t, a.Call("POST", job+"/chunks", acmeKey, []byte("chunk 2"), "X-Chunk-Id", "2"), http.StatusConflict)
	apitest.ErrorOf(t, a.Call("POST", job+"/chunks", acmeKey, []byte("chunk 1"), "X-Chunk-Id", "one"), http.StatusBadRequest)
	next := apitest.Object(t, a.Must(http.StatusCreated, "POST", job+"/chunks", []byte("chunk 1"), "X-Chunk-Id", "1"))
	if next["id"] != float64(1) {
		t.Errorf("the next chunk's id = %v, want 1", next["id"])
	}
}
