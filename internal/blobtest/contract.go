// Package blobtest is the contract of a blob store, the port the HTTP
// adapter declares for firmware images' content: every implementation
// (blobfs, s3) runs Run in its tests.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"testing"
)

// Store is the blob store port as the HTTP adapter declares it.
type Store interface {
	Put(ctx context.Context, key string, r io.Reader) error
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
	Delete(ctx context.Context, key string) error
}

// Run checks store against the contract. The store must be empty.
func Run(t *testing.T, store Store) {
	ctx := context.Background()
	content := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB

	t.Run("a blob put is read back whole", func(t *testing.T) {
		mustPut(t, store, "acc1/whole", content)
		if got := readAll(t, store, "acc1/whole"); !bytes.Equal(got, content) {
			t.Errorf("read %d bytes, not the %d put", len(got), len(content))
		}
	})
	t.Run("a blob is read from an offset and its size is found by seeking", func(t *testing.T) {
		mustPut(t, store, "acc1/seek", content)
		r, err := store.Open(ctx, "acc1/seek")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		size, err := r.Seek(0, io.SeekEnd)
		if err != nil || size != int64(len(content)) {
			t.Fatalf("seek to end = %d, %v; want %d", size, err, len(content))
		}
		if _, err := r.Seek(1000, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 100)
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, content[1000:1100]) {
			t.Errorf("bytes 1000-1099 = %q, want %q", got, content[1000:1100])
		}
	})
	t.Run("a blob put again is replaced", func(t *testing.T) {
		mustPut(t, store, "acc1/again", content)
		mustPut(t, store, "acc1/again", []byte("short"))
		if got := readAll(t, store, "acc1/again"); string(got) != "short" {
			t.Errorf("read %d bytes, want the 5 put last", len(got))
		}
	})
	t.Run("a put whose reader fails leaves no blob", func(t *testing.T) {
		err := store.Put(ctx, "acc1/broken", io.MultiReader(bytes.NewReader(content), failingReader{}))
		if err == nil {
			t.Fatal("put of a failing reader succeeded")
		}
		wantNotExist(t, store, "acc1/broken")
	})
	t.Run("a blob never put does not exist", func(t *testing.T) {
		wantNotExist(t, store, "acc1/never")
	})
	t.Run("a deleted blob does not exist, and deleting it again succeeds", func(t *testing.T) {
		mustPut(t, store, "acc1/deleted", content)
		for range 2 {
			if err := store.Delete(ctx, "acc1/deleted"); err != nil {
				t.Fatal(err)
			}
		}
		wantNotExist(t, store, "acc1/deleted")
	})
}

// errBroken is what a failing reader returns.
var errBroken = errors.New("the upload broke off")

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errBroken }

func mustPut(t *testing.T, store Store, key string, content []byte) {
	t.Helper()
	if err := store.Put(context.Background(), key, bytes.NewReader(content)); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func readAll(t *testing.T, store Store, key string) []byte {
	t.Helper()
	r, err := store.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return got
}

func wantNotExist(t *testing.T, store Store, key string) {
	t.Helper()
	r, err := store.Open(context.Background(), key)
	if err == nil {
		r.Close()
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("open %s: error %v, want one matching fs.ErrNotExist", key, err)
	}
}
