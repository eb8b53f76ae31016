package main_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// The check of upload jobs: a 1 GiB image sent to the real
// service in chunks of 6 MiB, as Pelion's clients send them, while the
// service's peak RSS stays under 128 MiB; range downloads of the image
// equal the bytes sent. The service is killed halfway: the job resumes
// where its last recorded chunk ended.

const (
	bigImage  = 1 << 30
	bigChunk  = 6 << 20
	maxRSSKiB = 128 << 10
)

// chunkBytes is chunk n of the generated image: bytes of a PRNG seeded
// with n, so that any range can be generated again without the rest.
func chunkBytes(n int) []byte {
	size := min(bigChunk, bigImage-n*bigChunk)
	b := make([]byte, size)
	r := rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), 7})
	_, _ = r.Read(b)
	return b
}

// imageRange returns bytes [from, to] of the generated image.
func imageRange(from, to int) []byte {
	var out []byte
	for n := from / bigChunk; n <= to/bigChunk; n++ {
		c := chunkBytes(n)
		lo, hi := max(from-n*bigChunk, 0), min(to-n*bigChunk+1, len(c))
		out = append(out, c[lo:hi]...)
	}
	return out
}

func TestAGigabyteImageUploadedInChunksKeepsTheServiceSmall(t *testing.T) {
	bin := buildBinaries(t)
	svc, c := startService(t, bin, t.TempDir(), pgtest.NewDatabase(t))
	var job struct{ ID string }
	c.do("POST", "/v3/firmware-images/upload-jobs", map[string]any{"name": "big.bin"}, http.StatusCreated, &job)
	chunks := "/v3/firmware-images/upload-jobs/" + job.ID + "/chunks"

	start, whole, peak := time.Now(), sha256.New(), 0
	for n := 0; n*bigChunk < bigImage; n++ {
		if n == bigImage/bigChunk/2 {
			peak = peakRSS(t, svc.cmd.Process.Pid)
			svc.kill()
			svc.start()
			c.waitReady()
		}
		b := chunkBytes(n)
		whole.Write(b)
		sum := md5.Sum(b)
		send(t, c, "POST", chunks, b, http.StatusCreated, "Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	}
	send(t, c, "POST", chunks, nil, http.StatusCreated)
	t.Logf("1 GiB sent in %d-byte chunks and completed in %v", bigChunk, time.Since(start))

	var done struct {
		Complete        bool
		FirmwareImageID string `json:"firmware_image_id"`
	}
	c.do("GET", "/v3/firmware-images/upload-jobs/"+job.ID, nil, http.StatusOK, &done)
	var image struct {
		Checksum string `json:"datafile_checksum"`
		Size     int64  `json:"datafile_size"`
	}
	c.do("GET", "/v3/firmware-images/"+done.FirmwareImageID, nil, http.StatusOK, &image)
	if want := hex.EncodeToString(whole.Sum(nil)); !done.Complete || image.Size != bigImage || image.Checksum != want {
		t.Errorf("image = %+v of a job complete=%t; want %d bytes of SHA-256 %s", image, done.Complete, bigImage, want)
	}
	datafile := "/v3/firmware-images/" + done.FirmwareImageID + "/datafile"
	for _, r := range [][2]int{{0, 999}, {bigChunk - 500, bigChunk + 499}, {bigImage / 2, bigImage/2 + 65535}, {bigImage - 1000, bigImage - 1}} {
		got := send(t, c, "GET", datafile, nil, http.StatusPartialContent, "Range", fmt.Sprintf("bytes=%d-%d", r[0], r[1]))
		if !bytes.Equal(got, imageRange(r[0], r[1])) {
			t.Errorf("range %d-%d: %d bytes, not those uploaded", r[0], r[1], len(got))
		}
	}
	if peak = max(peak, peakRSS(t, svc.cmd.Process.Pid)); peak >= maxRSSKiB {
		t.Errorf("the service's peak RSS was %d KiB, want under %d", peak, maxRSSKiB)
	} else {
		t.Logf("the service's peak RSS: %d KiB", peak)
	}
}

// send sends body (raw bytes) to the service and returns the answer's
// body, failing the test unless its status is want.
func send(t *testing.T, c *client, method, path string, body []byte, want int, headers ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e2eKey)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != want {
		var e json.RawMessage = raw
		t.Fatalf("%s %s: %d %s (%v), want %d", method, path, res.StatusCode, e, err, want)
	}
	return raw
}

// peakRSS returns a process's peak resident set size (VmHWM), in KiB.
func peakRSS(t *testing.T, pid int) int {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return kib
		}
	}
	t.Fatal("no VmHWM in /proc/<pid>/status")
	return 0
}
