package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/updateservice/updateservice/adapters/blobfs"
	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/s3"
)

// defaultBlobDir is where images' content is kept without S3: beside the
// working directory, which `make run` makes the repository's root (the
// directory is ignored by git).
const defaultBlobDir = "data/blobs"

// defaultMaxImageBytes is the largest image taken by default: 1 GiB.
const defaultMaxImageBytes = 1 << 30

// BlobConfig says where firmware images' content is kept.
type BlobConfig struct {
	// Dir is the local directory of the blobs (BLOB_DIR, default
	// data/blobs), used when no S3 endpoint is set. Replicas must share it.
	Dir string
	// S3 is S3-compatible object storage (BLOB_S3_ENDPOINT host[:port],
	// BLOB_S3_BUCKET, BLOB_S3_ACCESS_KEY, BLOB_S3_SECRET_KEY,
	// BLOB_S3_REGION, BLOB_S3_TLS default true); an empty endpoint: the
	// local directory.
	S3 s3.Config
	// MaxImageBytes is the largest image the service takes, whatever an
	// account's limit (FIRMWARE_IMAGE_MAX_BYTES, default 1 GiB).
	MaxImageBytes int64
}

// loadBlobConfig reads the blob store's variables; the problems name
// them, never showing the secret key.
func loadBlobConfig(getenv func(string) string) (BlobConfig, error) {
	c := BlobConfig{Dir: orDefault(getenv("BLOB_DIR"), defaultBlobDir), S3: s3.Config{
		Endpoint: getenv("BLOB_S3_ENDPOINT"), Bucket: getenv("BLOB_S3_BUCKET"), AccessKey: getenv("BLOB_S3_ACCESS_KEY"),
		SecretKey: getenv("BLOB_S3_SECRET_KEY"), Region: getenv("BLOB_S3_REGION"),
	}}
	var problems []error
	tls := orDefault(getenv("BLOB_S3_TLS"), "true")
	var err error
	if c.S3.TLS, err = strconv.ParseBool(tls); err != nil {
		problems = append(problems, fmt.Errorf("BLOB_S3_TLS=%q: %v", tls, err))
	}
	maxBytes := orDefault(getenv("FIRMWARE_IMAGE_MAX_BYTES"), strconv.Itoa(defaultMaxImageBytes))
	if c.MaxImageBytes, err = strconv.ParseInt(maxBytes, 10, 64); err != nil || c.MaxImageBytes <= 0 {
		problems = append(problems, fmt.Errorf("FIRMWARE_IMAGE_MAX_BYTES=%q: not a positive number of bytes", maxBytes))
	}
	return c, errors.Join(append(problems, c.Validate())...)
}

// Validate checks that S3, when chosen, is complete, and that no S3
// variable is set without the endpoint, where it would silently not count.
func (c BlobConfig) Validate() error {
	set := map[string]string{"BLOB_S3_BUCKET": c.S3.Bucket, "BLOB_S3_ACCESS_KEY": c.S3.AccessKey,
		"BLOB_S3_SECRET_KEY": c.S3.SecretKey}
	var problems []error
	if c.S3.Endpoint == "" {
		for _, name := range []string{"BLOB_S3_BUCKET", "BLOB_S3_ACCESS_KEY", "BLOB_S3_SECRET_KEY"} {
			if set[name] != "" {
				problems = append(problems, fmt.Errorf("%s is set without BLOB_S3_ENDPOINT", name))
			}
		}
		if strings.TrimSpace(c.Dir) == "" {
			problems = append(problems, errors.New("BLOB_DIR is empty"))
		}
		return errors.Join(problems...)
	}
	if u, err := url.Parse("http://" + c.S3.Endpoint); err != nil || u.Host != c.S3.Endpoint {
		problems = append(problems, fmt.Errorf("BLOB_S3_ENDPOINT=%q: not host[:port] (no scheme or path; TLS is BLOB_S3_TLS)", c.S3.Endpoint))
	}
	for _, name := range []string{"BLOB_S3_BUCKET", "BLOB_S3_ACCESS_KEY", "BLOB_S3_SECRET_KEY"} {
		if set[name] == "" {
			problems = append(problems, fmt.Errorf("%s is required with BLOB_S3_ENDPOINT", name))
		}
	}
	return errors.Join(problems...)
}

// String shows the blob store for the printed configuration, the secret
// key masked.
func (c BlobConfig) String() string {
	if c.S3.Endpoint == "" {
		return fmt.Sprintf("BLOB_DIR=%s FIRMWARE_IMAGE_MAX_BYTES=%d", c.Dir, c.MaxImageBytes)
	}
	return fmt.Sprintf("BLOB_S3_ENDPOINT=%s BLOB_S3_BUCKET=%s BLOB_S3_ACCESS_KEY=%s BLOB_S3_SECRET_KEY=*** BLOB_S3_REGION=%s BLOB_S3_TLS=%t FIRMWARE_IMAGE_MAX_BYTES=%d",
		c.S3.Endpoint, c.S3.Bucket, c.S3.AccessKey, orDefault(c.S3.Region, "(asked)"), c.S3.TLS, c.MaxImageBytes)
}

// blobStore is a blob store with its readiness check.
type blobStore interface {
	httpapi.Blobs
	Ready(ctx context.Context) error
}

// open returns the blob store configured.
func (c BlobConfig) open(ctx context.Context) (blobStore, error) {
	if c.S3.Endpoint != "" {
		return s3.New(ctx, c.S3)
	}
	return blobfs.New(c.Dir)
}
