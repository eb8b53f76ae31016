package projections_test

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// A manifest uploaded as a file shows what the file told, and its file
// and key table read back byte for byte, in its account only.
func TestManifestFilesReadBackInTheirAccount(t *testing.T) {
	w := newWorld(t)
	file, keys := []byte{0x30, 0x03, 0x0a, 0x01, 0x03, 0x00, 0xff}, []byte("pre-shared keys")
	w.emit(domain.ManifestStream("mf"), domain.ManifestRegistered{ManifestID: "mf", AccountID: acme, ManifestName: "from a file",
		DeviceClass: "c1", Timestamp: w.now(), SchemaVersion: "3", PayloadType: "delta", PayloadURL: "https://fw.example/p",
		PayloadDigest: "ab", PayloadSize: 10, DatafileURL: "/v3/firmware-manifests/mf/datafile", DatafileSize: int64(len(file)),
		KeyTableURL: "/v3/firmware-manifests/mf/key_table", PrecursorDigest: "cd", UpdatePriority: 7, ComponentName: "MAIN",
		PayloadVersion: "2.0.1", ParsedRawManifest: []byte(`{"manifest-version":"v3"}`), File: file, KeyTable: keys, At: w.now()})
	w.manifest(acme, "mj", "c1")
	q := w.project()
	ctx := testCtx(t)

	m, err := q.Manifest(ctx, acme, "mf")
	if err != nil {
		t.Fatal(err)
	}
	got := []any{m.PrecursorPayloadDigest, m.UpdatePriority, m.ComponentName, m.PayloadVersion, m.ParsedRawManifest}
	if want := []any{"cd", int64(7), "MAIN", "2.0.1", `{"manifest-version":"v3"}`}; !cmp.Equal(got, want) {
		t.Errorf("manifest mf's file fields = %v, want %v", got, want)
	}
	for _, tc := range []struct {
		name    string
		account domain.AccountID
		id      domain.ManifestID
		want    projections.ManifestFiles
	}{
		{"a manifest uploaded as a file has its file and key table", acme, "mf", projections.ManifestFiles{Datafile: file, KeyTable: keys}},
		{"a manifest registered by its fields has none", acme, "mj", projections.ManifestFiles{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := q.ManifestFiles(ctx, tc.account, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ManifestFiles (-want +got):\n%s", diff)
			}
		})
	}
	// The API sends updated_at as the etag, so etag filters compare it.
	req, err := projections.ParseListRequest(url.Values{"etag__lte": {m.UpdatedAt.Format(time.RFC3339Nano)}})
	if err != nil {
		t.Fatal(err)
	}
	page, err := q.ListManifests(ctx, acme, req)
	if got := ids(page.Data, func(m projections.Manifest) domain.ManifestID { return m.ID }); err != nil || !slices.Equal(got, []domain.ManifestID{"mf"}) {
		t.Errorf("manifests of etag__lte %s = %v, %v; want mf, not the later mj", m.UpdatedAt, got, err)
	}
	if _, err := q.ManifestFiles(ctx, other, "mf"); !isNotFound(err) {
		t.Errorf("another account's ManifestFiles: err = %v, want not found", err)
	}
}
