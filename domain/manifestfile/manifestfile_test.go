package manifestfile_test

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/updateservice/updateservice/domain/manifestfile"
	mft "github.com/updateservice/updateservice/domain/manifestfile/manifestfiletest"
)

// der encodes a test manifest or fails the test.
func der(t testing.TB, r interface{ DER() ([]byte, error) }) []byte {
	t.Helper()
	b, err := r.DER()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

func TestParseReadsEachFieldOfBothSchemas(t *testing.T) {
	full, delta := mft.Example(), mft.ExampleDelta()
	vendor, class := full.Vendor.String(), full.Class.String()
	for _, tc := range []struct {
		name string
		file []byte
		want manifestfile.Manifest
	}{
		{"a v1 full update", der(t, mft.V1(full)), manifestfile.Manifest{SchemaVersion: "1", VendorID: vendor, ClassID: class,
			Timestamp: 1740816000, PayloadURL: "https://fw.example/sensor-2.0.bin", PayloadDigest: bytesOf(0xab, 32),
			PayloadSize: 524288, PayloadFormat: "raw-binary", Priority: 2}},
		{"a v1 delta names its precursor", der(t, mft.V1(delta)), manifestfile.Manifest{SchemaVersion: "1", VendorID: vendor,
			ClassID: class, Timestamp: 1740816000, PayloadURL: "https://fw.example/sensor-1-to-2.patch",
			PayloadDigest: bytesOf(0xab, 32), PayloadSize: 4096, PayloadFormat: "bsdiff-stream", Delta: true,
			PrecursorDigest: bytesOf(0xcd, 32), Priority: 2}},
		{"a v3 full update", der(t, mft.V3(full)), manifestfile.Manifest{SchemaVersion: "3", VendorID: vendor, ClassID: class,
			PayloadURL: "https://fw.example/sensor-2.0.bin", PayloadDigest: bytesOf(0xab, 32), PayloadSize: 524288,
			PayloadFormat: "raw-binary", Priority: 2, ComponentName: "MAIN", PayloadVersion: "2.0.1"}},
		{"a v3 delta names its precursor", der(t, mft.V3(delta)), manifestfile.Manifest{SchemaVersion: "3", VendorID: vendor,
			ClassID: class, PayloadURL: "https://fw.example/sensor-1-to-2.patch", PayloadDigest: bytesOf(0xab, 32),
			PayloadSize: 4096, PayloadFormat: "arm-patch-stream", Delta: true, PrecursorDigest: bytesOf(0xcd, 32),
			Priority: 2, ComponentName: "MAIN", PayloadVersion: "2.0.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := manifestfile.Parse(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(manifestfile.Manifest{}, "Raw")); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseKeepsTheWholeFileAsJSON(t *testing.T) {
	u := mft.ExampleDelta()
	for _, tc := range []struct {
		name string
		file []byte
		want map[string]any // paths into the JSON, dot-separated
	}{
		{"v1, named as manifest-1.0.0 names its fields", der(t, mft.V1(u)), map[string]any{
			"resource.resourceType": "manifest", "resource.manifest.manifestVersion": "v1",
			"resource.manifest.classId": hex.EncodeToString(u.Class[:]), "resource.manifest.payload.format": "bsdiff-stream",
			"resource.manifest.payload.reference.uri": u.PayloadURL, "resource.manifest.encryptionMode": "none-ecc-secp256r1-sha256",
			"resource.manifest.precursorDigest": hex.EncodeToString(u.PrecursorDigest)}},
		{"v3, named as manifest_v3.asn names its fields", der(t, mft.V3(u)), map[string]any{
			"manifest-version": "v3", "manifest.vendor-id": hex.EncodeToString(u.Vendor[:]),
			"manifest.payload-format": "arm-patch-stream", "manifest.payload-size": float64(4096),
			"manifest.payload-metadata.precursor-digest": hex.EncodeToString(u.PrecursorDigest)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := manifestfile.Parse(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			data, err := json.Marshal(m.Raw)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			for path, want := range tc.want {
				if got := at(doc, path); !cmp.Equal(got, want) {
					t.Errorf("%s = %v, want %v (JSON %s)", path, got, want, data)
				}
			}
		})
	}
}

// at follows a dot-separated path of object keys.
func at(doc map[string]any, path string) any {
	var v any = doc
	for _, key := range strings.Split(path, ".") {
		o, _ := v.(map[string]any)
		v = o[key]
	}
	return v
}
