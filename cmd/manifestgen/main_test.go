package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/updateservice/updateservice/domain/manifestfile"
)

// The file manifestgen writes reads back as the manifest its flags
// describe, and it prints the class id the file names.
func TestManifestgenWritesTheManifestItsFlagsDescribe(t *testing.T) {
	digest, precursor := strings.Repeat("12", 32), strings.Repeat("34", 32)
	for _, schema := range []string{"1", "3"} {
		t.Run("schema "+schema, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "fw.manifest")
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"-o", path, "-schema", schema, "-payload-url", "https://fw.example/p.bin",
				"-payload-digest", digest, "-payload-size", "99", "-delta", "-precursor-digest", precursor, "-priority", "4",
				"-timestamp", "1700000000"}, os.Getenv, &stdout, &stderr)
			if err != nil {
				t.Fatalf("run: %v; stderr %s", err, stderr.String())
			}
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := manifestfile.Parse(file)
			if err != nil {
				t.Fatal(err)
			}
			want := manifestfile.Manifest{SchemaVersion: schema, VendorID: got.VendorID, ClassID: strings.TrimSpace(stdout.String()),
				PayloadURL: "https://fw.example/p.bin", PayloadSize: 99, Delta: true, Priority: 4}
			if schema == "1" {
				want.Timestamp = 1700000000
			}
			opts := cmpopts.IgnoreFields(manifestfile.Manifest{}, "Raw", "PayloadDigest", "PrecursorDigest", "PayloadFormat",
				"ComponentName", "PayloadVersion")
			if diff := cmp.Diff(want, got, opts); diff != "" {
				t.Errorf("manifest (-want +got):\n%s", diff)
			}
		})
	}
}

func TestManifestgenRefusesAManifestWithoutItsPayload(t *testing.T) {
	err := run(context.Background(), []string{"-o", filepath.Join(t.TempDir(), "m")}, os.Getenv, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil {
		t.Error("run without -payload-url and -payload-digest succeeded")
	}
}
