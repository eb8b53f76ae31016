package http_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	mft "github.com/updateservice/updateservice/domain/manifestfile/manifestfiletest"
)

// manifestDER encodes a test manifest or fails the test.
func manifestDER(t *testing.T, r interface{ DER() ([]byte, error) }) []byte {
	t.Helper()
	b, err := r.DER()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upload posts parts to the manifest route as acme.
func (a *api) upload(parts ...apitest.Part) *httptest.ResponseRecorder {
	a.T.Helper()
	body, contentType := apitest.Multipart(a.T, parts...)
	return a.Call("POST", "/v3/firmware-manifests", acmeKey, body, "Content-Type", contentType)
}

func TestUploadingAManifestFileFillsEveryFieldFromIt(t *testing.T) {
	cat := &catalog{}
	a := newAPI(t, withCatalog(cat))
	u := mft.ExampleDelta()
	file := manifestDER(t, mft.V1(u))
	rec := a.upload(apitest.Part{Name: "datafile", FileName: "sensor.manifest", Content: file},
		apitest.Part{Name: "name", Content: []byte("sensor 2.0")})
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d, want 201; body %s", rec.Code, rec.Body)
	}
	m := apitest.Object(t, rec)
	id := m["id"].(string)
	want := map[string]any{"object": "firmware-manifest", "name": "sensor 2.0", "device_class": u.Class.String(),
		"device_vendor": u.Vendor.String(), "manifest_schema_version": "1", "timestamp": "2025-03-01T08:00:00Z",
		"delivered_payload_type": "delta", "delivered_payload_url": u.PayloadURL,
		"delivered_payload_digest": strings.Repeat("ab", 32), "delivered_payload_size": float64(4096),
		"precursor_payload_digest": strings.Repeat("cd", 32), "update_priority": float64(2),
		"datafile": "http://example.com/v3/firmware-manifests/" + id + "/datafile", "datafile_size": float64(len(file)),
		"key_table": "", "etag": "2026-03-01T08:00:00.123456Z", "updated_at": "2026-03-01T08:00:00.123456Z"}
	got := map[string]any{}
	for k := range want {
		got[k] = m[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("manifest (-want +got):\n%s", diff)
	}
	raw, _ := m["parsed_raw_manifest"].(map[string]any)
	if resource, _ := raw["resource"].(map[string]any); resource["resourceType"] != "manifest" {
		t.Errorf("parsed_raw_manifest = %v, want the v1 file's resource", m["parsed_raw_manifest"])
	}
	if !bytes.Equal(cat.registered(id).Spec.File, file) {
		t.Errorf("the registration does not keep the uploaded file")
	}
}

func TestAManifestFileAndKeyTableAreServedToTheirAccountOnly(t *testing.T) {
	cat := &catalog{}
	a := newAPI(t, withCatalog(cat))
	file, keys := manifestDER(t, mft.V3(mft.Example())), []byte("pre-shared keys")
	rec := a.upload(apitest.Part{Name: "datafile", FileName: `C:\fw\sensor-v3.manifest`, Content: file},
		apitest.Part{Name: "key_table", FileName: "keys.proto", Content: keys})
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d, want 201; body %s", rec.Code, rec.Body)
	}
	m := apitest.Object(t, rec)
	id := m["id"].(string)
	if m["name"] != "sensor-v3.manifest" || m["component_name"] != "MAIN" || m["payload_version"] != "2.0.1" ||
		m["key_table"] != "http://example.com/v3/firmware-manifests/"+id+"/key_table" {
		t.Errorf("manifest %v: want the file's name, component and version, and a key table URL", m)
	}
	for _, tc := range []struct {
		path string
		want []byte
	}{{"/datafile", file}, {"/key_table", keys}} {
		rec := a.Must(http.StatusOK, "GET", "/v3/firmware-manifests/"+id+tc.path, nil)
		if !bytes.Equal(rec.Body.Bytes(), tc.want) || rec.Header().Get("Content-Type") != "application/octet-stream" {
			t.Errorf("GET %s = %q (%s), want the uploaded bytes as application/octet-stream", tc.path, rec.Body, rec.Header().Get("Content-Type"))
		}
		apitest.ErrorOf(t, a.Call("GET", "/v3/firmware-manifests/"+id+tc.path, globexKey, nil), http.StatusNotFound)
	}
}

func TestAManifestRegisteredByItsFieldsHasNoFileToServe(t *testing.T) {
	a := newAPI(t, withCatalog(&catalog{}))
	m := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/firmware-manifests", map[string]any{
		"name": "fw", "device_class": "c1", "delivered_payload_url": "https://fw.example/1.bin", "delivered_payload_digest": "ab"}))
	if _, err := time.Parse(time.RFC3339, m["etag"].(string)); err != nil {
		t.Errorf("etag %v is not a date-time: %v", m["etag"], err)
	}
	apitest.ErrorOf(t, a.Call("GET", "/v3/firmware-manifests/"+m["id"].(string)+"/datafile", acmeKey, nil), http.StatusNotFound)
}

// A v3 file has no timestamp: the manifest's is the upload's time. Behind
// a TLS proxy, the file's URL is https.
func TestAV3ManifestIsTimedByItsUploadAndServedOverTheProxysScheme(t *testing.T) {
	a := newAPI(t, withCatalog(&catalog{}))
	body, contentType := apitest.Multipart(t, apitest.Part{Name: "datafile", FileName: "m", Content: manifestDER(t, mft.V3(mft.Example()))})
	before := time.Now().UTC()
	rec := a.Call("POST", "/v3/firmware-manifests", acmeKey, body, "Content-Type", contentType, "X-Forwarded-Proto", "https")
	m := apitest.Object(t, rec)
	ts, err := time.Parse(time.RFC3339, m["timestamp"].(string))
	if err != nil || ts.Before(before.Truncate(time.Second)) || ts.After(time.Now().Add(time.Second)) {
		t.Errorf("timestamp %v (%v), want the upload's time, about %v", m["timestamp"], err, before)
	}
	if url, _ := m["datafile"].(string); !strings.HasPrefix(url, "https://example.com/v3/firmware-manifests/") {
		t.Errorf("datafile %v, want an https URL", m["datafile"])
	}
}
