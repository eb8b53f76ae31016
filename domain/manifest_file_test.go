package domain

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	mft "github.com/updateservice/updateservice/domain/manifestfile/manifestfiletest"
)

// manifestFile encodes a test manifest or fails the test.
func manifestFile(t *testing.T, r interface{ DER() ([]byte, error) }) []byte {
	t.Helper()
	b, err := r.DER()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestManifestFileSpecTakesTheFieldsFromTheFile(t *testing.T) {
	full, delta := mft.Example(), mft.ExampleDelta()
	vendor, class := full.Vendor.String(), full.Class.String()
	digest, precursor := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	for _, tc := range []struct {
		name string
		file []byte
		want ManifestSpec
	}{
		{"a v1 delta: its timestamp, precursor and priority", manifestFile(t, mft.V1(delta)), ManifestSpec{
			DeviceClass: class, Vendor: vendor, Timestamp: time.Unix(1740816000, 0).UTC(), SchemaVersion: "1",
			PayloadType: PayloadDelta, PayloadURL: delta.PayloadURL, PayloadDigest: digest, PayloadSize: 4096,
			PrecursorDigest: precursor, UpdatePriority: 2}},
		{"a v3 full image: no timestamp, its component and version", manifestFile(t, mft.V3(full)), ManifestSpec{
			DeviceClass: class, Vendor: vendor, SchemaVersion: "3", PayloadType: PayloadFull, PayloadURL: full.PayloadURL,
			PayloadDigest: digest, PayloadSize: 524288, UpdatePriority: 2, ComponentName: "MAIN", PayloadVersion: "2.0.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ManifestFileSpec(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.File, tc.want.DatafileSize = tc.file, int64(len(tc.file))
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(ManifestSpec{}, "ParsedRaw")); diff != "" {
				t.Errorf("ManifestFileSpec (-want +got):\n%s", diff)
			}
			if !strings.Contains(string(got.ParsedRaw), hex.EncodeToString(full.Class[:])) {
				t.Errorf("ParsedRaw %s does not hold the class id", got.ParsedRaw)
			}
		})
	}
}

func TestManifestFileSpecRefusesAMalformedFileAsDatafile(t *testing.T) {
	r := mft.V3(mft.Example())
	r.Manifest.ClassID = r.Manifest.ClassID[:8]
	_, err := ManifestFileSpec(manifestFile(t, r))
	checkErr(t, err, InvalidError{Field: "datafile"})
	if want := "manifest v3: manifest.class-id: is 8 bytes"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

func TestNewManifestKeepsTheFileAndKeyTable(t *testing.T) {
	file := manifestFile(t, mft.V1(mft.ExampleDelta()))
	spec, err := ManifestFileSpec(file)
	if err != nil {
		t.Fatal(err)
	}
	spec.Name, spec.KeyTable = "sensor 2.0", []byte("keys")
	for _, tc := range []struct {
		name   string
		change func(*ManifestSpec)
		err    error
	}{
		{name: "a manifest file and its key table are recorded", change: func(*ManifestSpec) {}},
		{name: "a file that is not a manifest is refused", change: func(s *ManifestSpec) { s.File = file[:20] },
			err: InvalidError{Field: "datafile"}},
		{name: "a key table over 64 KiB is refused", change: func(s *ManifestSpec) { s.KeyTable = make([]byte, MaxKeyTableSize+1) },
			err: InvalidError{Field: "key_table"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec
			tc.change(&s)
			m, err := NewManifest("m1", "acc1", s, t0)
			checkErr(t, err, tc.err)
			if err != nil {
				return
			}
			e := m.Changes()[0].(ManifestRegistered)
			if string(e.File) != string(file) || string(e.KeyTable) != "keys" || e.PrecursorDigest != strings.Repeat("cd", 32) ||
				e.UpdatePriority != 2 || len(e.ParsedRawManifest) == 0 {
				t.Errorf("ManifestRegistered %+v lacks the file's fields", e)
			}
			if diff := cmp.Diff(e, roundTrip(t, []Event{e})[0]); diff != "" {
				t.Errorf("ManifestRegistered after the store (-stored +read):\n%s", diff)
			}
			checkReplay(t, LoadManifest, m, m.Changes())
		})
	}
}
