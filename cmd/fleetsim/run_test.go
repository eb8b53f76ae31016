package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/updateservice/updateservice/internal/syncbuf"
)

// fakeService plays the Update Service's side: it keeps the registered
// devices and every webhook item, in the order the webhook handles them
// (async responses of a body before its notifications).
type fakeService struct {
	*httptest.Server
	mu          sync.Mutex
	apiKeys     map[string]bool // the keys the bulk API takes
	devices     map[string]deviceObject
	registrants map[string][]string // device id: the API keys that registered it
	deleted     []string
	items       []item
	unavailable int // webhook posts still to refuse with 503
}

// item is a webhook item as the fake received it.
type item struct {
	device  string // ep, or the async id for async responses
	path    string // "async" for async responses
	payload string // decoded payload, or the async status
	auth    string // the webhook request's Authorization header
}

func newFakeService(t *testing.T, unavailable int) *fakeService {
	f := &fakeService{apiKeys: map[string]bool{"k": true}, devices: map[string]deviceObject{}, registrants: map[string][]string{},
		unavailable: unavailable}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/devices/bulk", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Devices []deviceObject }
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		f.mu.Lock()
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || !f.apiKeys[key] {
			t.Errorf("bulk: auth %q, body error %v", r.Header.Get("Authorization"), err)
		}
		for _, d := range body.Devices {
			f.devices[d.ID] = d
			f.registrants[d.ID] = append(f.registrants[d.ID], key)
		}
		f.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"registered":%d,"failed":[]}`, len(body.Devices))
	})
	mux.HandleFunc("DELETE /v3/devices/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.deleted = append(f.deleted, r.PathValue("id"))
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /v3/connector/notifications", func(w http.ResponseWriter, r *http.Request) {
		var body webhookBody
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.unavailable > 0 {
			f.unavailable--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		auth := r.Header.Get("Authorization")
		for _, a := range body.AsyncResponses {
			f.items = append(f.items, item{device: a.ID, path: "async", payload: fmt.Sprint(a.Status), auth: auth})
		}
		for _, n := range body.Notifications {
			payload, err := base64.StdEncoding.DecodeString(n.Payload)
			if err != nil {
				t.Errorf("payload %q: %v", n.Payload, err)
			}
			f.items = append(f.items, item{device: n.EP, path: n.Path, payload: string(payload), auth: auth})
		}
		w.WriteHeader(http.StatusNoContent)
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// itemsOf returns what the fake received about a device, the async
// response (keyed by the async id "a-<device>") first.
func (f *fakeService) itemsOf(device string) []item {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []item
	for _, it := range f.items {
		if it.device == device || it.device == "a-"+device {
			out = append(out, it)
		}
	}
	return out
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestTheSimulatorRegistersItsDevicesAndPlaysEachOutcomeThroughTheWebhook(t *testing.T) {
	fake := newFakeService(t, 2)
	expectPath := filepath.Join(t.TempDir(), "expect.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-api", fake.URL, "-account", "acme:k:ck:wh", "-listen", "127.0.0.1:0", "-devices", "40", "-seed", "3",
			"-latency", "20ms", "-heartbeat", "8ms", "-flush", "5ms", "-mix", "success=2,fail=1,silent=1,deregistered=1",
			"-expect-json", expectPath}, func(string) string { return "" }, &stdout, io.Discard)
	}()
	eventually(t, "fleetsim to be ready", func() bool { return strings.Contains(stdout.String(), "fleetsim: ready") })

	var expect map[string]expectation
	data, err := os.ReadFile(expectPath)
	if err != nil || json.Unmarshal(data, &expect) != nil {
		t.Fatalf("expectations %q: %v", data, err)
	}
	byState := map[string][]string{}
	for id, e := range expect {
		state := e.UpdateState
		if e.SkipReason != nil {
			state += *e.SkipReason
		}
		byState[state] = append(byState[state], id)
	}
	fake.mu.Lock()
	registered, deleted := len(fake.devices), fake.deleted
	connectorURL := fake.devices[byState["deployed"][0]].MechanismURL
	for id, d := range fake.devices {
		if d.Mechanism != "connector" || d.MechanismURL != connectorURL || len(d.Groups) != 1 || d.Groups[0] != "fleetsim" {
			t.Errorf("device %s registered as %+v", id, d)
		}
	}
	fake.mu.Unlock()
	if registered != 40 || len(deleted) != len(byState["skippedderegistered"]) || len(deleted) != 8 {
		t.Errorf("registered %d devices and deleted %v; want 40 and the %d deregistered ones", registered, deleted, len(byState["skippedderegistered"]))
	}

	write := func(device string) int { return writeManifest(t, connectorURL, "ck", device, "a-"+device) }
	success, failure, silent, gone := byState["deployed"][0], byState["failed"][0], byState["timed_out"][0], byState["skippedderegistered"][0]
	for _, d := range []string{success, failure, silent} {
		if status := write(d); status != http.StatusAccepted {
			t.Errorf("writing the manifest of %s: status %d, want 202", d, status)
		}
	}
	if status := write(gone); status != http.StatusGone {
		t.Errorf("writing the manifest of deregistered %s: status %d, want 410", gone, status)
	}
	for _, d := range []string{success, failure} {
		eventually(t, d+"'s update result", func() bool {
			items := fake.itemsOf(d)
			return len(items) > 0 && items[len(items)-1].path == resultResource
		})
	}
	checkScript(t, fake.itemsOf(success), "1", true)
	checkScript(t, fake.itemsOf(failure), fmt.Sprint(*expect[failure].ResultCode), false)
	if items := fake.itemsOf(silent); len(items) != 0 {
		t.Errorf("silent device %s sent %v", silent, items)
	}
	// A repeated write (a service that lost the answers) plays the script again.
	write(success)
	eventually(t, "the repeated write's answers", func() bool {
		async, results := 0, 0
		for _, it := range fake.itemsOf(success) {
			switch it.path {
			case "async":
				async++
			case resultResource:
				results++
			}
		}
		return async == 2 && results == 2
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
	if !strings.Contains(stdout.String(), "4 manifest writes") {
		t.Errorf("final figures missing from:\n%s", stdout.String())
	}
}

// writeManifest writes a manifest to a device through fleetsim's connector
// with a connector key and returns the status.
func writeManifest(t *testing.T, connectorURL, key, device, asyncID string) int {
	t.Helper()
	body := `{"method":"PUT","uri":"/10252/0/1","content-type":"application/octet-stream","payload-b64":"AAE="}`
	req, err := http.NewRequest("POST", connectorURL+"/v2/device-requests/"+device+"?async-id="+url.QueryEscape(asyncID), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// checkScript checks one device's items: the async response first, update
// states that never go back, and the update result last.
func checkScript(t *testing.T, items []item, result string, wantHeartbeat bool) {
	t.Helper()
	if len(items) < 3 || items[0].path != "async" || items[0].payload != "200" {
		t.Fatalf("items %v: want the async response (200) first, then states and a result", items)
	}
	last, repeated := "", false
	for _, it := range items[1 : len(items)-1] {
		if it.path != stateResource || it.payload < last {
			t.Errorf("items %v: want non-decreasing %s states between the async response and the result", items, stateResource)
		}
		repeated = repeated || it.payload == last
		last = it.payload
	}
	if end := items[len(items)-1]; end.payload != result {
		t.Errorf("result %q, want %q (items %v)", end.payload, result, items)
	}
	if wantHeartbeat && !repeated {
		t.Errorf("items %v: no state repeated as heartbeat", items)
	}
}
