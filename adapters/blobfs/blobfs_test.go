package blobfs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/blobfs"
	"github.com/updateservice/updateservice/internal/blobtest"
)

func TestContract(t *testing.T) {
	store, err := blobfs.New(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Run(t, store)
}

func TestAFailedPutLeavesNoTempFile(t *testing.T) {
	dir := t.TempDir()
	store, err := blobfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := store.Put(ctx, "acc1/i1", strings.NewReader("content")); err == nil {
		t.Fatal("put with a cancelled context succeeded")
	}
	entries, err := os.ReadDir(filepath.Join(dir, "acc1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("the directory holds %d files after a failed put, want none", len(entries))
	}
}

func TestKeysStayInTheDirectory(t *testing.T) {
	store, err := blobfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"", "../escape", "acc1/../../escape", "/abs", "acc1/.put-x", "acc1//i1", "a b"} {
		if err := store.Put(context.Background(), key, strings.NewReader("x")); err == nil {
			t.Errorf("put %q succeeded, want the key refused", key)
		}
	}
}

func TestAStoreWithoutItsDirectoryIsNotReady(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	store, err := blobfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Ready(context.Background()); err != nil {
		t.Fatalf("ready with its directory: %v", err)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := store.Ready(context.Background()); err == nil {
		t.Error("ready without its directory")
	}
}

func TestAStoreRemovesTheTempFilesOfWritesThatCrashedLongAgo(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "acc1"), 0o750); err != nil {
		t.Fatal(err)
	}
	old, recent := filepath.Join(dir, "acc1", ".put-old"), filepath.Join(dir, "acc1", ".put-recent")
	for _, path := range []string{old, recent} {
		if err := os.WriteFile(path, []byte("half a blob"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	twoDaysAgo := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(old, twoDaysAgo, twoDaysAgo); err != nil {
		t.Fatal(err)
	}
	if _, err := blobfs.New(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the temp file of two days ago: %v, want it removed", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("the recent temp file, maybe a write going on: %v, want it kept", err)
	}
}
