package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// runService runs the service in process with env and returns its base URL.
func runService(t *testing.T, vars map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, greeting := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, env(vars), greeting, io.Discard); greeting.Close() }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		t.Fatalf("the service said nothing: %v", <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	_, base, ok := strings.Cut(lines.Text(), "listening on ")
	if !ok {
		t.Fatalf("greeting %q", lines.Text())
	}
	return base
}

// send makes one request with the test's key.
func send(t *testing.T, method, url, body string, headers ...string) *http.Response {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return nil
	}
	req.Header.Set("Authorization", "Bearer key-1")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	res.Body = io.NopCloser(bytes.NewReader(data))
	return res
}

// The service keeps the answers of writes with an Idempotency-Key and
// limits each account to RATE_LIMIT requests per second.
func TestServiceReplaysRetriesAndLimitsAccounts(t *testing.T) {
	base := runService(t, map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "HTTP_ADDR": "127.0.0.1:0",
		"API_KEYS": "key-1:acme", "CONNECTOR_ACCOUNTS": "acme:connector-key:webhook-secret", "RATE_LIMIT": "5"})
	for i, want := range []string{"", "true"} {
		res := send(t, "POST", base+"/v3/devices", `{"id":"dev-1"}`, "Idempotency-Key", "create-1")
		if res.StatusCode != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != want {
			t.Errorf("create %d: %d, Idempotent-Replayed %q; want 201, %q", i+1, res.StatusCode, res.Header.Get("Idempotent-Replayed"), want)
		}
	}
	// A burst of 20 at once is over 5 per second whatever the machine's speed.
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if res := send(t, "GET", base+"/v3/devices", ""); res != nil {
				mu.Lock()
				codes[res.StatusCode]++
				mu.Unlock()
				if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") != "1" {
					t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
				}
			}
		})
	}
	wg.Wait()
	if codes[http.StatusTooManyRequests] == 0 || codes[http.StatusOK]+codes[http.StatusTooManyRequests] != 20 {
		t.Errorf("answers to a burst of 20: %v; want some 429", codes)
	}
}
