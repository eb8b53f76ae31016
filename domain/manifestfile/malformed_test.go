package manifestfile_test

import (
	"errors"
	"testing"

	"github.com/updateservice/updateservice/domain/manifestfile"
	mft "github.com/updateservice/updateservice/domain/manifestfile/manifestfiletest"
)

func TestParseRefusesMalformedFilesNamingTheField(t *testing.T) {
	v1 := func(change func(*mft.V1SignedResource)) []byte {
		r := mft.V1(mft.Example())
		change(&r)
		return der(t, r)
	}
	v3 := func(change func(*mft.V3SignedResource)) []byte {
		r := mft.V3(mft.Example())
		change(&r)
		return der(t, r)
	}
	good1, good3 := v1(func(*mft.V1SignedResource) {}), v3(func(*mft.V3SignedResource) {})
	for _, tc := range []struct {
		name           string
		file           []byte
		version, field string
	}{
		{"an empty file", nil, "", "(file)"},
		{"a file that is not DER", []byte("firmware 2.0, trust me"), "", "SignedResource"},
		{"a truncated v1 file", good1[:len(good1)-10], "", "SignedResource"},
		{"a truncated v3 file", good3[:len(good3)-10], "", "SignedResource"},
		{"a v1 file with bytes after it", append(good1, 0), "1", "(file)"},
		{"a v3 file with a second manifest after it", append(good3, good3...), "3", "(file)"},
		{"a file larger than 2 KB", v3(func(r *mft.V3SignedResource) { r.Manifest.VendorData = make([]byte, 2048) }), "", "(file)"},
		{"a v3 file of version 4", v3(func(r *mft.V3SignedResource) { r.ManifestVersion = 4 }), "3", "manifest-version"},
		{"a v1 manifest of version 2", v1(func(r *mft.V1SignedResource) { r.Resource.Manifest.ManifestVersion = 2 }), "1", "resource.manifest.manifestVersion"},
		{"a v1 vendor id of 15 bytes", v1(func(r *mft.V1SignedResource) { r.Resource.Manifest.VendorID = make([]byte, 15) }), "1", "resource.manifest.vendorId"},
		{"a v1 class id of 17 bytes", v1(func(r *mft.V1SignedResource) { r.Resource.Manifest.ClassID = make([]byte, 17) }), "1", "resource.manifest.classId"},
		{"a v1 device id of 4 bytes", v1(func(r *mft.V1SignedResource) { r.Resource.Manifest.DeviceID = make([]byte, 4) }), "1", "resource.manifest.deviceId"},
		{"a v3 vendor id of 0 bytes", v3(func(r *mft.V3SignedResource) { r.Manifest.VendorID = []byte{} }), "3", "manifest.vendor-id"},
		{"a v3 class id of 32 bytes", v3(func(r *mft.V3SignedResource) { r.Manifest.ClassID = make([]byte, 32) }), "3", "manifest.class-id"},
		{"a v1 resource holding a payload", v1(func(r *mft.V1SignedResource) { r.Resource.ResourceType = 1 }), "1", "resource.resourceType"},
		{"a v1 manifest without a payload", v1(func(r *mft.V1SignedResource) { r.Resource.Manifest.Payload = mft.V1PayloadDescription{} }), "1", "resource.manifest.payload"},
		{"a v1 payload without a URI", v1(func(r *mft.V1SignedResource) { r.Resource.Manifest.Payload.Reference.URI = "" }), "1", "resource.manifest.payload.reference.uri"},
		{"a v1 payload of a negative size", v1(func(r *mft.V1SignedResource) { r.Resource.Manifest.Payload.Reference.Size = -1 }), "1", "resource.manifest.payload.reference.size"},
		{"a v3 payload without a URI", v3(func(r *mft.V3SignedResource) { r.Manifest.PayloadURI = "" }), "3", "manifest.payload-uri"},
		{"a v3 payload of a negative size", v3(func(r *mft.V3SignedResource) { r.Manifest.PayloadSize = -5 }), "3", "manifest.payload-size"},
		{"a v3 payload format the schema does not list", v3(func(r *mft.V3SignedResource) { r.Manifest.PayloadFormat = 7 }), "3", "manifest.payload-format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := manifestfile.Parse(tc.file)
			var got *manifestfile.Error
			if !errors.As(err, &got) {
				t.Fatalf("Parse = %+v, %v; want a *manifestfile.Error", m, err)
			}
			if got.Version != tc.version || got.Field != tc.field {
				t.Errorf("Parse: %v: version %q field %q, want version %q field %q", err, got.Version, got.Field, tc.version, tc.field)
			}
		})
	}
}

// Whatever the bytes, Parse answers a manifest or an *Error, never a
// panic; a manifest it answers names a schema version, a vendor and a
// class, and a payload's URL, and becomes malformed with a byte after it.
func FuzzParse(f *testing.F) {
	for _, u := range []mft.Update{mft.Example(), mft.ExampleDelta()} {
		f.Add(der(f, mft.V1(u)))
		f.Add(der(f, mft.V3(u)))
	}
	f.Add([]byte{0x30, 0x03, 0x0a, 0x01, 0x03})
	f.Fuzz(func(t *testing.T, file []byte) {
		m, err := manifestfile.Parse(file)
		if err != nil {
			var e *manifestfile.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse: %v is not a *manifestfile.Error", err)
			}
			return
		}
		if (m.SchemaVersion != "1" && m.SchemaVersion != "3") || len(m.VendorID) != 36 || len(m.ClassID) != 36 || m.PayloadURL == "" {
			t.Fatalf("Parse = %+v: a manifest without its version, ids or payload URL", m)
		}
		if len(file) < manifestfile.MaxSize {
			if _, err := manifestfile.Parse(append(file[:len(file):len(file)], 0)); err == nil {
				t.Fatal("Parse took a trailing byte")
			}
		}
	})
}
