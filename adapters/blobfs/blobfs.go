// Package blobfs keeps blobs (firmware images' content) as files under one
// local directory: the service's default blob store, for one machine or a
// shared volume.
package blobfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tempPrefix starts the name of a blob being written. Keys never start a
// segment with a dot, so a temp file is never read as a blob, and one a
// crash left behind can be told apart and removed.
const tempPrefix = ".put-"

// staleAge is the age past which a temp file is a crash's leftover: no
// upload takes that long, whichever replica sharing the directory runs it.
const staleAge = 24 * time.Hour

// Store keeps each blob as the file dir/key.
type Store struct {
	dir string
}

// New returns a store under dir, making the directory when missing, and
// removes the temp files that crashed writes left there over a day ago.
func New(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("blobfs.New: %w", err)
	}
	if err := removeStale(dir, time.Now().Add(-staleAge)); err != nil {
		return nil, fmt.Errorf("blobfs.New: %w", err)
	}
	return &Store{dir: dir}, nil
}

// removeStale removes the temp files under dir last written before cutoff.
func removeStale(dir string, cutoff time.Time) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), tempPrefix) {
			return err
		}
		info, err := d.Info()
		if err == nil && info.ModTime().Before(cutoff) {
			err = os.Remove(path)
		}
		if errors.Is(err, fs.ErrNotExist) { // another replica removed it first
			return nil
		}
		return err
	})
}

// Put writes what r yields as blob key: into a temp file next to it, which
// is synced and then renamed to the key. A crash or a failed read never
// leaves a partial blob under the key, and a blob put again is replaced
// whole.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	path, err := s.path(key)
	if err != nil {
		return fmt.Errorf("blobfs.Put: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("blobfs.Put: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("blobfs.Put: %w", err)
	}
	_, err = io.Copy(tmp, contextReader{ctx, r})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name()) // the temp file is garbage whatever went wrong
		return fmt.Errorf("blobfs.Put %s: %w", key, err)
	}
	return nil
}

// Open opens blob key for reading and seeking; a missing blob is an error
// matching fs.ErrNotExist.
func (s *Store) Open(_ context.Context, key string) (io.ReadSeekCloser, error) {
	path, err := s.path(key)
	if err != nil {
		return nil, fmt.Errorf("blobfs.Open: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("blobfs.Open: %w", err)
	}
	return f, nil
}

// Delete removes blob key; a blob that is not there is deleted already.
func (s *Store) Delete(_ context.Context, key string) error {
	path, err := s.path(key)
	if err != nil {
		return fmt.Errorf("blobfs.Delete: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blobfs.Delete: %w", err)
	}
	return nil
}

// Ready reports whether the directory is there to keep blobs: a volume
// unmounted under the service shows here, not only on the next upload.
func (s *Store) Ready(context.Context) error {
	info, err := os.Stat(s.dir)
	if err == nil && !info.IsDir() {
		err = fmt.Errorf("%s is not a directory", s.dir)
	}
	if err != nil {
		return fmt.Errorf("blobfs: %w", err)
	}
	return nil
}

// path is key's file. Keys are slash-separated segments of letters,
// digits, '-', '_' and '.', none empty or starting with a dot: a key can
// never leave the directory or name a temp file.
func (s *Store) path(key string) (string, error) {
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg[0] == '.' || strings.IndexFunc(seg, notKeyChar) >= 0 {
			return "", fmt.Errorf("%q is not a valid blob key", key)
		}
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}

func notKeyChar(c rune) bool {
	return (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' && c != '.'
}

// contextReader stops a copy once ctx is done: an abandoned upload stops
// writing to the disk.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
