package syncbuf

import (
	"bytes"
	"sync"
	"testing"
)

// Given writers and readers at once, when all writes are done, then the
// buffer holds every write whole: an unguarded bytes.Buffer loses some of
// them (or panics) under this load.
func TestConcurrentWritesAreAllKept(t *testing.T) {
	const writers, writes = 8, 20000
	chunk := bytes.Repeat([]byte("x"), 64)
	var b Buffer
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for i := range writes {
				_, _ = b.Write(chunk)
				if i%1000 == 0 {
					_ = b.String()
				}
			}
		})
	}
	wg.Wait()
	if got, want := len(b.String()), writers*writes*len(chunk); got != want {
		t.Errorf("got %d bytes, want %d", got, want)
	}
}
