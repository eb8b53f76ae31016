// Package s3 keeps blobs (firmware images' content) in a bucket of
// S3-compatible object storage (AWS S3, MinIO, Ceph, ...): the blob store
// for production, shared by every replica.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// partSize is the size of each part of a streamed upload: the client holds
// one part in memory per upload, and S3 takes at most 10,000 parts, so an
// object may have 80 GB.
const partSize = 8 << 20

// Config says where the bucket is and how to reach it.
type Config struct {
	// Endpoint is the storage's host[:port], without a scheme.
	Endpoint string
	// Bucket holds the blobs; it is made when missing.
	Bucket string
	// AccessKey and SecretKey sign the requests.
	AccessKey, SecretKey string
	// Region is the bucket's region; empty lets the client ask.
	Region string
	// TLS says to talk HTTPS.
	TLS bool
	// Transport, when set, carries the requests: one trusting a private CA.
	Transport http.RoundTripper
}

// Store keeps each blob as the object key of the bucket.
type Store struct {
	client *minio.Client
	bucket string
}

// New connects to the storage and makes the bucket when it is missing.
func New(ctx context.Context, c Config) (*Store, error) {
	client, err := minio.New(c.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""), Secure: c.TLS, Region: c.Region,
		Transport: c.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("s3.New: %w", err)
	}
	exists, err := client.BucketExists(ctx, c.Bucket)
	if err == nil && !exists {
		err = client.MakeBucket(ctx, c.Bucket, minio.MakeBucketOptions{Region: c.Region})
	}
	if err != nil {
		return nil, fmt.Errorf("s3.New: bucket %s at %s: %w", c.Bucket, c.Endpoint, err)
	}
	return &Store{client: client, bucket: c.Bucket}, nil
}

// Put streams what r yields to object key as a multipart upload, one part
// in memory at a time. S3 shows the object only once the upload completes,
// so a failed read leaves no partial blob (the client aborts the upload).
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	_, err := s.client.PutObject(ctx, s.bucket, key, r, -1,
		minio.PutObjectOptions{PartSize: partSize, ContentType: "application/octet-stream"})
	if err != nil {
		return fmt.Errorf("s3.Put %s: %w", key, err)
	}
	return nil
}

// Open opens object key for reading and seeking. Reads after a seek are
// ranged GETs from that offset, so a range download fetches its part of
// the object, not all of it. A missing object matches fs.ErrNotExist.
func (s *Store) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err == nil {
		_, err = obj.Stat() // GetObject itself sends nothing: Stat finds a missing object
	}
	if err != nil {
		if obj != nil {
			_ = obj.Close() // nothing was read from it
		}
		return nil, fmt.Errorf("s3.Open %s: %w", key, notExist(err))
	}
	return obj, nil
}

// Delete removes object key; S3 answers success for a missing one.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("s3.Delete %s: %w", key, err)
	}
	return nil
}

// Ready reports whether the bucket can be reached.
func (s *Store) Ready(ctx context.Context) error {
	exists, err := s.client.BucketExists(ctx, s.bucket)
	if err == nil && !exists {
		err = errors.New("the bucket is gone")
	}
	if err != nil {
		return fmt.Errorf("s3: bucket %s: %w", s.bucket, err)
	}
	return nil
}

// notExist makes S3's missing-object answer match fs.ErrNotExist, as the
// blob store port says.
func notExist(err error) error {
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return errors.Join(fs.ErrNotExist, err)
	}
	return err
}
