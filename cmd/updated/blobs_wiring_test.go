package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// The service keeps uploaded images in BLOB_DIR, and a blob store gone
// away degrades /readyz without failing it.
func TestServiceKeepsImagesInItsBlobStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	base := runService(t, map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "HTTP_ADDR": "127.0.0.1:0",
		"API_KEYS": "key-1:acme", "CONNECTOR_ACCOUNTS": "acme:connector-key:webhook-secret", "BLOB_DIR": dir})
	body, ctype := apitest.Multipart(t, apitest.Part{Name: "datafile", FileName: "fw.bin", Content: []byte("firmware 2")})
	var image struct{ ID string }
	decodeBody(t, send(t, "POST", base+"/v3/firmware-images", string(body), "Content-Type", ctype), &image)
	if content, err := os.ReadFile(filepath.Join(dir, "firmware-images", image.ID)); err != nil || string(content) != "firmware 2" {
		t.Errorf("blob of image %q: %q, %v; want the file uploaded", image.ID, content, err)
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	res := send(t, "GET", base+"/readyz", "")
	var ready struct {
		Status string
		Checks map[string]string
	}
	if res == nil || json.NewDecoder(res.Body).Decode(&ready) != nil {
		t.Fatalf("/readyz: %v", res)
	}
	if res.StatusCode != http.StatusOK || ready.Status != "degraded" || !strings.Contains(ready.Checks["blob store"], "blobfs") {
		t.Errorf("/readyz without the blob directory: %d %+v; want 200, degraded, the blob store's reason", res.StatusCode, ready)
	}
}
