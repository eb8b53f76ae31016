package commands_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/updateservice/updateservice/domain"
)

// A campaign writes its manifest's file to the devices when the manifest
// was uploaded as one, and its delivery fields as JSON otherwise.
func TestManifestWriteIsTheManifestFileWhenThereIsOne(t *testing.T) {
	ctx := context.Background()
	file := []byte{0x30, 0x03, 0x0a, 0x01, 0x03}
	for _, tc := range []struct {
		name string
		file []byte
		want func(t *testing.T, got []byte)
	}{
		{"a manifest uploaded as a file", file, func(t *testing.T, got []byte) {
			if !bytes.Equal(got, file) {
				t.Errorf("ManifestWrite = %x, want the file %x", got, file)
			}
		}},
		{"a manifest registered by its fields", nil, func(t *testing.T, got []byte) {
			var fields map[string]any
			if err := json.Unmarshal(got, &fields); err != nil || fields["payload_url"] != firmware.PayloadURL {
				t.Errorf("ManifestWrite = %s (%v), want the delivery fields as JSON", got, err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			registered := manifestRegistered("m1", acme, 0)
			registered.File = tc.file
			f.given(t, domain.ManifestStream("m1"), registered)
			f.given(t, domain.CampaignStream("c1"), campaignCreated("c1", acme, 1))
			got, err := f.h.ManifestWrite(ctx, acme, "c1")
			ok(t, err)
			tc.want(t, got)
		})
	}
}
