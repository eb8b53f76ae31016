package http_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/http/apitest"
)

// An upload streams: a 256 MiB image goes through the handler into the
// blob store while the heap grows by a few MiB at most. A handler that
// held the file, or a multipart parser that spooled it to memory, would
// grow it by the image's size.
func TestAnUploadStreamsWithoutHoldingTheFile(t *testing.T) {
	const size, chunk = 256 << 20, 64 << 10
	const allowed = 32 << 20
	a := newImageAPI(t)

	body, w := io.Pipe()
	mw := multipart.NewWriter(w)
	sum := sha256.New()
	go func() {
		part, err := mw.CreateFormFile("datafile", "big.bin")
		block := make([]byte, chunk)
		for i := 0; err == nil && i < size/chunk; i++ {
			for j := range block {
				block[j] = byte(i + j)
			}
			sum.Write(block)
			_, err = part.Write(block)
		}
		if err == nil {
			err = mw.Close()
		}
		w.CloseWithError(err)
	}()

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := sampleHeapPeak(t)
	req := httptest.NewRequest("POST", "/v3/firmware-images", body)
	req.Header.Set("Authorization", "Bearer "+acmeKey)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	heapPeak := peak()
	apitest.CheckAnswer(t, req, rec)

	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d, want 201; body %s", rec.Code, rec.Body)
	}
	obj := apitest.Object(t, rec)
	if obj["datafile_size"] != float64(size) || obj["datafile_checksum"] != hex.EncodeToString(sum.Sum(nil)) {
		t.Errorf("size %v checksum %v, want %d bytes of the SHA-256 sent", obj["datafile_size"], obj["datafile_checksum"], size)
	}
	if grew := int64(heapPeak) - int64(before.HeapAlloc); grew > allowed {
		t.Errorf("the heap grew by %d MiB during the upload, want at most %d MiB", grew>>20, allowed>>20)
	}
}

// sampleHeapPeak samples the heap until the returned function is called,
// which returns the largest heap seen.
func sampleHeapPeak(t *testing.T) func() uint64 {
	t.Helper()
	var mu sync.Mutex
	var peak uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			mu.Lock()
			peak = max(peak, m.HeapAlloc)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
