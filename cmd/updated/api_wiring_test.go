package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// runService runs the service in process with env and returns its base URL.
func runService(t *testing.T, vars map[string]string) string {
	t.Helper()
	if vars["BLOB_DIR"] == "" {
		vars["BLOB_DIR"] = t.TempDir() // not data/blobs under the package
	}
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

// Campaign start and stop from the API send their commands directly (the
// README's Queues section): the apply-firmware-update and stop-campaign
// queues carry nothing for them.
func TestAPIStartAndStopAnswerTheCommandNotAQueue(t *testing.T) {
	base := runService(t, map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "HTTP_ADDR": "127.0.0.1:0",
		"API_KEYS": "key-1:acme", "CONNECTOR_ACCOUNTS": "acme:connector-key:webhook-secret"})
	var manifest, campaign struct{ ID string }
	decodeBody(t, send(t, "POST", base+"/v3/firmware-manifests", `{"name":"fw","device_class":"sensor","timestamp":"2026-11-01T00:00:00Z",
		"delivered_payload_type":"full","delivered_payload_url":"https://fw.example/2.bin","delivered_payload_digest":"d2","delivered_payload_size":1}`), &manifest)
	decodeBody(t, send(t, "POST", base+"/v3/update-campaigns", `{"name":"c","root_manifest_id":"`+manifest.ID+`","device_filter":"state__eq=registered"}`), &campaign)
	// The campaign has no devices and may end at once: its stop answers 202
	// or 409, either way at once and from the command.
	for _, step := range []struct {
		action string
		want   []int
	}{{"start", []int{http.StatusAccepted}}, {"stop", []int{http.StatusAccepted, http.StatusConflict}}} {
		res := send(t, "POST", base+"/v3/update-campaigns/"+campaign.ID+"/"+step.action, "")
		if res == nil || !slices.Contains(step.want, res.StatusCode) {
			t.Fatalf("%s: %v, want one of %v", step.action, res, step.want)
		}
	}
	metrics := send(t, "GET", base+"/metrics", "")
	body, _ := io.ReadAll(metrics.Body)
	for _, handler := range []string{"apply-firmware-update", "stop-campaign"} {
		if strings.Contains(string(body), `handler="`+handler+`"`) {
			t.Errorf("the %s queue handled messages for API calls:\n%s", handler, grepLines(grepLines(string(body), handler), "_count"))
		}
	}
}

// decodeBody reads a 2xx answer's JSON into out.
func decodeBody(t *testing.T, res *http.Response, out any) {
	t.Helper()
	if res == nil || res.StatusCode/100 != 2 {
		t.Fatalf("answer %v", res)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// grepLines returns the lines of text that hold s.
func grepLines(text, s string) string {
	var out []string
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

// The greeting comes once the service itself answers: a caller acting on
// it never meets the 503s of the wait for dependencies.
func TestTheFirstRequestAfterTheGreetingIsServed(t *testing.T) {
	for range 10 {
		base := runService(t, map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "HTTP_ADDR": "127.0.0.1:0",
			"API_KEYS": "key-1:acme", "CONNECTOR_ACCOUNTS": "acme:connector-key:webhook-secret"})
		if res := send(t, "GET", base+"/v3/devices", ""); res == nil || res.StatusCode != http.StatusOK {
			t.Fatalf("the first request after the greeting: %v, want 200", res)
		}
	}
}
