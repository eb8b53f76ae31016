package api_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	mft "github.com/updateservice/updateservice/domain/manifestfile/manifestfiletest"
)

// A manifest uploaded as a DER file is stored, read back from the read
// models with the file's fields, served back byte for byte, and a
// campaign is created on it: the whole path a Pelion client takes.
func TestAManifestUploadedAsAFileCarriesACampaign(t *testing.T) {
	a := newAPI(t)
	u := mft.ExampleDelta()
	file, err := mft.V3(u).DER()
	if err != nil {
		t.Fatal(err)
	}
	body, contentType := apitest.Multipart(t, apitest.Part{Name: "datafile", FileName: "sensor.manifest", Content: file},
		apitest.Part{Name: "name", Content: []byte("sensor 2.0.1")}, apitest.Part{Name: "key_table", FileName: "keys", Content: []byte{1, 2, 3}})
	created := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/firmware-manifests", body, "Content-Type", contentType))
	id := created["id"].(string)

	got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/firmware-manifests/"+id, nil))
	if got["device_class"] != u.Class.String() || got["delivered_payload_type"] != "delta" || got["manifest_schema_version"] != "3" ||
		got["precursor_payload_digest"] != created["precursor_payload_digest"] || got["etag"] != got["updated_at"] ||
		got["payload_version"] != "2.0.1" || got["datafile"] != "http://example.com/v3/firmware-manifests/"+id+"/datafile" {
		t.Errorf("manifest read back = %v", got)
	}
	if raw, _ := got["parsed_raw_manifest"].(map[string]any); raw["manifest-version"] != "v3" {
		t.Errorf("parsed_raw_manifest = %v, want the v3 file", got["parsed_raw_manifest"])
	}
	if rec := a.Must(http.StatusOK, "GET", "/v3/firmware-manifests/"+id+"/datafile", nil); !bytes.Equal(rec.Body.Bytes(), file) {
		t.Errorf("datafile = %x, want the uploaded file %x", rec.Body.Bytes(), file)
	}
	if rec := a.Call("GET", "/v3/firmware-manifests/"+id+"/key_table", globexKey, nil); rec.Code != http.StatusNotFound {
		t.Errorf("another account's GET key_table: status %d, want 404", rec.Code)
	}

	campaign := a.campaign("sensors to 2.0.1", id)
	if campaign["root_manifest_id"] != id || campaign["root_manifest_url"] != got["datafile"] {
		t.Errorf("campaign = %v, want it on manifest %s and its datafile", campaign, id)
	}
}
