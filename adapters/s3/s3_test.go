package s3_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/updateservice/updateservice/adapters/s3"
	"github.com/updateservice/updateservice/internal/blobtest"
)

// newStore returns a store on an in-process S3 server reached over HTTPS,
// whose bucket the store makes. HTTPS, as in production: over plain HTTP
// the client signs each part in aws-chunked encoding, which gofakes3
// decodes for single PUTs but not for multipart parts, so it would store
// the chunk framing as content.
func newStore(t *testing.T, seen func(*http.Request)) *s3.Store {
	store, _ := newStoreAndServer(t, seen)
	return store
}

// newStoreAndServer is newStore that also returns the S3 server.
func newStoreAndServer(t *testing.T, seen func(*http.Request)) (*s3.Store, *httptest.Server) {
	t.Helper()
	faker := gofakes3.New(s3mem.New()).Server()
	server := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen(r)
		faker.ServeHTTP(w, r)
	}))
	t.Cleanup(server.Close)
	u, err := url.Parse(server.URL)
	if err != nil {
		t.Fatal(err)
	}
	store, err := s3.New(context.Background(), s3.Config{Endpoint: u.Host, Bucket: "firmware",
		AccessKey: "test-access", SecretKey: "test-secret", Region: "us-east-1",
		TLS: true, Transport: server.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	return store, server
}

func TestAStoreWhoseServerIsGoneIsNotReady(t *testing.T) {
	store, server := newStoreAndServer(t, func(*http.Request) {})
	ctx := context.Background()
	if err := store.Ready(ctx); err != nil {
		t.Fatalf("ready with its server: %v", err)
	}
	server.Close()
	if err := store.Ready(ctx); err == nil {
		t.Error("ready without its server")
	}
}

func TestContract(t *testing.T) {
	blobtest.Run(t, newStore(t, func(*http.Request) {}))
}

func TestAReadAfterASeekIsARangedGet(t *testing.T) {
	var mu sync.Mutex
	var ranges []string
	store := newStore(t, func(r *http.Request) {
		if r.Method == http.MethodGet && r.Header.Get("Range") != "" {
			mu.Lock()
			ranges = append(ranges, r.Header.Get("Range"))
			mu.Unlock()
		}
	})
	ctx := context.Background()
	if err := store.Put(ctx, "acc1/i1", strings.NewReader(strings.Repeat("x", 100_000))); err != nil {
		t.Fatal(err)
	}
	r, err := store.Open(ctx, "acc1/i1")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Seek(90_000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"bytes=90000-"}, ranges); diff != "" {
		t.Errorf("ranged GETs (-want +got):\n%s", diff)
	}
}
