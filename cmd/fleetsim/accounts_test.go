package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/internal/syncbuf"
)

func TestEachAccountHasItsOwnDevicesAnsweredWithItsOwnWebhookSecret(t *testing.T) {
	fake := newFakeService(t, 0)
	fake.apiKeys = map[string]bool{"key-acme": true, "key-globex": true}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-api", fake.URL, "-listen", "127.0.0.1:0", "-devices", "4", "-prefix", "sensor-",
			"-account", "acme:key-acme:ck-acme:wh-acme", "-account", "globex:key-globex:ck-globex:wh-globex",
			"-latency", "1ms", "-heartbeat", "0", "-flush", "2ms", "-mix", "success=1"}, func(string) string { return "" }, &stdout, io.Discard)
	}()
	eventually(t, "fleetsim to be ready", func() bool { return strings.Contains(stdout.String(), "fleetsim: ready") })
	fake.mu.Lock()
	connectorURL := fake.devices["sensor-1"].MechanismURL
	if got := fake.registrants["sensor-1"]; !slices.Equal(got, []string{"key-acme", "key-globex"}) {
		t.Errorf("sensor-1 registered with keys %v, want acme's then globex's", got)
	}
	fake.mu.Unlock()

	for _, account := range []string{"acme", "globex"} {
		id := domain.AsyncID(domain.AccountID(account), "c1", "sensor-1")
		if status := writeManifest(t, connectorURL, "ck-"+account, "sensor-1", id); status != http.StatusAccepted {
			t.Fatalf("%s's write: status %d, want 202", account, status)
		}
	}
	if status := writeManifest(t, connectorURL, "key-acme", "sensor-1", domain.AsyncID("acme", "c1", "sensor-1")); status != http.StatusUnauthorized {
		t.Errorf("a write with an API key instead of a connector key: status %d, want 401", status)
	}
	if status := writeManifest(t, connectorURL, "ck-acme", "sensor-2", domain.AsyncID("globex", "c1", "sensor-2")); status != http.StatusBadRequest {
		t.Errorf("globex's write with acme's connector key: status %d, want 400", status)
	}
	// Each account's sensor-1 plays its own script, answered with its
	// own account's webhook secret.
	results := func() map[string]int {
		out := map[string]int{}
		for _, it := range fake.itemsOf("sensor-1") {
			if it.path == resultResource {
				out[it.auth]++
			}
		}
		return out
	}
	eventually(t, "both sensor-1's results", func() bool { return len(results()) == 2 })
	fake.mu.Lock()
	for _, it := range fake.items {
		account, _, _, ok := domain.ParseAsyncID(it.device)
		if ok && it.auth != "Bearer wh-"+string(account) {
			t.Errorf("%s's async response %s came with %q", account, it.device, it.auth)
		}
	}
	fake.mu.Unlock()
	if got := results(); got["Bearer wh-acme"] != 1 || got["Bearer wh-globex"] != 1 {
		t.Errorf("sensor-1's results by webhook credential: %v, want one each for acme and globex", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
	for _, want := range []string{"account acme: 1 manifest writes, 1 refused as another account's",
		"account globex: 1 manifest writes, 0 refused as another account's", "fleetsim: 2 manifest writes"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output does not say %q:\n%s", want, stdout.String())
		}
	}
}

func TestAccountFlagsAreCheckedWithoutShowingKeys(t *testing.T) {
	for _, tc := range []struct{ args, want []string }{
		{[]string{"-account", "acme:secret-1:secret-2"}, []string{"acme", "account:api-key:connector-key:webhook-secret"}},
		{[]string{"-account", "bad-account:secret-1:secret-2:secret-3"}, []string{"bad-account"}},
		{[]string{"-account", "acme:secret-1:secret-2:secret-3", "-account", "acme:secret-4:secret-5:secret-6"}, []string{"-account acme is given twice"}},
		{[]string{"-account", "acme:secret-1:secret-2:secret-3,globex:secret-4:secret-2:secret-6"}, []string{"-account globex: its connector key is another account's"}},
	} {
		_, err := parseConfig(tc.args, func(string) string { return "" }, io.Discard)
		for _, want := range tc.want {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%q: got %v, want an error saying %q", tc.args, err, want)
			}
		}
		if err != nil && strings.Contains(err.Error(), "secret-") {
			t.Errorf("%q: the error shows a key: %v", tc.args, err)
		}
	}
	c, err := parseConfig(nil, func(k string) string {
		return map[string]string{"FLEETSIM_ACCOUNTS": "acme:a:b:c,globex:d:e:f"}[k]
	}, io.Discard)
	if err != nil || len(c.Accounts) != 2 || c.Accounts[1] != (account{Name: "globex", Key: "d", ConnectorKey: "e", WebhookSecret: "f"}) {
		t.Errorf("FLEETSIM_ACCOUNTS: got %+v, %v", c.Accounts, err)
	}
}
