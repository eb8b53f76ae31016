package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/s3"
)

func TestConfigKeepsImagesInALocalDirectoryByDefault(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db"}))
	if err != nil {
		t.Fatal(err)
	}
	want := BlobConfig{Dir: "data/blobs", S3: s3.Config{TLS: true}, MaxImageBytes: 1 << 30}
	if diff := cmp.Diff(want, c.Blobs); diff != "" {
		t.Errorf("blob configuration (-want +got):\n%s", diff)
	}
}

func TestConfigReadsS3AndMasksItsSecretKey(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db",
		"BLOB_S3_ENDPOINT": "minio:9000", "BLOB_S3_BUCKET": "firmware", "BLOB_S3_ACCESS_KEY": "updated",
		"BLOB_S3_SECRET_KEY": "very-secret", "BLOB_S3_REGION": "eu-west-1", "BLOB_S3_TLS": "false",
		"FIRMWARE_IMAGE_MAX_BYTES": "5000000"}))
	if err != nil {
		t.Fatal(err)
	}
	want := BlobConfig{Dir: "data/blobs", MaxImageBytes: 5_000_000, S3: s3.Config{Endpoint: "minio:9000", Bucket: "firmware",
		AccessKey: "updated", SecretKey: "very-secret", Region: "eu-west-1"}}
	if diff := cmp.Diff(want, c.Blobs); diff != "" {
		t.Errorf("blob configuration (-want +got):\n%s", diff)
	}
	var printed bytes.Buffer
	c.print(&printed)
	if strings.Contains(printed.String(), "very-secret") || !strings.Contains(printed.String(), "BLOB_S3_SECRET_KEY=***") {
		t.Errorf("printed configuration shows the secret key or not its mask:\n%s", printed.String())
	}
}

func TestConfigNamesEveryBadBlobSetting(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		want []string
	}{
		{name: "S3 without its bucket and keys", vars: map[string]string{"BLOB_S3_ENDPOINT": "https://minio:9000", "BLOB_S3_TLS": "sometimes"},
			want: []string{"BLOB_S3_ENDPOINT=\"https://minio:9000\": not host[:port]", "BLOB_S3_BUCKET is required", "BLOB_S3_ACCESS_KEY is required",
				"BLOB_S3_SECRET_KEY is required", "BLOB_S3_TLS"}},
		{name: "S3 settings without an endpoint", vars: map[string]string{"BLOB_S3_BUCKET": "firmware", "BLOB_S3_SECRET_KEY": "very-secret"},
			want: []string{"BLOB_S3_BUCKET is set without BLOB_S3_ENDPOINT", "BLOB_S3_SECRET_KEY is set without BLOB_S3_ENDPOINT"}},
		{name: "a maximum that is not a size", vars: map[string]string{"FIRMWARE_IMAGE_MAX_BYTES": "0"},
			want: []string{"FIRMWARE_IMAGE_MAX_BYTES=\"0\": not a positive number of bytes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.vars["DATABASE_URL"] = "postgres://u@localhost/db"
			_, err := loadConfig(env(tc.vars))
			if err == nil {
				t.Fatal("invalid configuration accepted")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %s:\n%v", want, err)
				}
			}
			if strings.Contains(err.Error(), "very-secret") {
				t.Errorf("error shows the secret key:\n%v", err)
			}
		})
	}
}
