package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// The connector's webhook secrets of acme and globex.
const (
	acmeHook   = "webhook-secret-of-acme"
	globexHook = "webhook-secret-of-globex"
)

// withWebhook returns a handler on a's event store whose webhook records
// reports through the commands.
func withWebhook(a *api) http.Handler {
	cmds := commands.New(a.store, time.Now)
	return httpapi.NewHandler(httpapi.Deps{
		Connector:      cmds,
		Reports:        cmds,
		APIKeys:        map[string]httpapi.Grant{acmeKey: {Account: "acme"}, globexKey: {Account: "globex"}},
		WebhookSecrets: map[string]domain.AccountID{acmeHook: "acme", globexHook: "globex"},
		Log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

// postNotifications posts a notification-channel body with key (a webhook
// secret) and returns the status.
func postNotifications(t *testing.T, h http.Handler, key string, body map[string]any) int {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/v3/connector/notifications", bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	apitest.CheckAnswer(t, req, rec)
	return rec.Code
}

// webhookWaitFor polls until ok or fails the test.
func webhookWaitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestTheWebhookTakesAnEnrolledDeviceToDeployedEvenWhenItsAsyncResponseComesEarly(t *testing.T) {
	a := newAPI(t)
	hook := withWebhook(a)
	a.Must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": "dev-1", "device_class": "class-1"})
	manifest := a.manifest("class-1")
	campaign := domain.CampaignID(a.campaign("first", manifest)["id"].(string))
	now := time.Now()
	a.engine("acme", "dev-1", domain.DeviceEnrolled{CampaignID: campaign, ManifestID: domain.ManifestID(manifest), At: now})

	// The connector answers before the engine recorded the send: the body
	// waits (503, nothing recorded), and the connector delivers it again.
	state4 := map[string]any{"ep": "dev-1", "path": "/10252/0/2", "ct": "text/plain", "payload": "NA=="}
	early := map[string]any{
		"async-responses": []any{map[string]any{"id": domain.AsyncID("acme", campaign, "dev-1"), "status": 200}},
		"notifications":   []any{state4},
	}
	if status := postNotifications(t, hook, acmeHook, early); status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", status)
	}
	if got := lastUpdateState(t, a, "dev-1"); got != "" {
		t.Fatalf("the early body recorded %q, want nothing", got)
	}
	a.engine("acme", "dev-1", domain.DeviceUpdateStateChanged{CampaignID: campaign, From: domain.UpdatePending, To: domain.UpdateScheduled, At: now})
	if status := postNotifications(t, hook, acmeHook, early); status != http.StatusNoContent {
		t.Fatalf("again: status %d, want 204", status)
	}

	// Another account's secret reaches none of acme's devices.
	result := map[string]any{"ep": "dev-1", "path": "/10252/0/3", "payload": "MQ=="}
	if status := postNotifications(t, hook, globexHook, map[string]any{"notifications": []any{result}}); status != http.StatusNoContent {
		t.Fatalf("globex: status %d, want 204", status)
	}
	if got := lastUpdateState(t, a, "dev-1"); got != domain.UpdateDownloading {
		t.Fatalf("after the early async response, state 4 and globex's report the update is %q, want downloading", got)
	}
	if status := postNotifications(t, hook, acmeHook, map[string]any{"notifications": []any{result}}); status != http.StatusNoContent {
		t.Fatalf("status %d, want 204", status)
	}
	webhookWaitFor(t, "dev-1 deployed", func() bool { return metadataUpdateState(t, a, campaign, "dev-1") == "deployed" })
}

// lastUpdateState reads the state of acme's device's last update change
// from its stream: what the commands recorded, without waiting for the
// read models.
func lastUpdateState(t *testing.T, a *api, device domain.DeviceID) domain.UpdateState {
	t.Helper()
	recorded, err := a.store.ReadStream(context.Background(), domain.DeviceStream("acme", device), eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var state domain.UpdateState
	for _, r := range recorded {
		e, err := domain.DecodeEvent(r.Type, r.Data)
		if err != nil {
			t.Fatal(err)
		}
		if change, ok := e.(domain.DeviceUpdateStateChanged); ok {
			state = change.To
		}
	}
	return state
}

// metadataUpdateState reads a device's update_state in a campaign's metadata.
func metadataUpdateState(t *testing.T, a *api, campaign domain.CampaignID, device string) string {
	t.Helper()
	for _, m := range apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns/"+string(campaign)+"/campaign-device-metadata", nil)).Data {
		if m["device_id"] == device {
			state, _ := m["update_state"].(string)
			return state
		}
	}
	return ""
}

func TestTheWebhookRegistersAndDeregistersDevicesOfTheKeysAccount(t *testing.T) {
	a := newAPI(t)
	hook := withWebhook(a)
	if status := postNotifications(t, hook, acmeHook, map[string]any{"registrations": []any{map[string]any{
		"ep": "dev-2", "ept": "class-2", "q": false,
		"resources": []any{map[string]any{"path": "/10255/0/3", "value": "vendor-9"}},
	}}}); status != http.StatusNoContent {
		t.Fatalf("status %d, want 204", status)
	}
	device := func() map[string]any {
		return apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/devices/dev-2", nil))
	}
	webhookWaitFor(t, "dev-2 in the catalog", func() bool {
		return a.Call("GET", "/v3/devices/dev-2", acmeKey, nil).Code == http.StatusOK
	})
	if d := device(); d["device_class"] != "class-2" || d["vendor_id"] != "vendor-9" || d["state"] != "registered" {
		t.Errorf("registered device = %v", d)
	}
	if a.Call("GET", "/v3/devices/dev-2", globexKey, nil).Code != http.StatusNotFound {
		t.Error("globex sees acme's device")
	}
	if status := postNotifications(t, hook, acmeHook, map[string]any{"de-registrations": []string{"dev-2"}}); status != http.StatusNoContent {
		t.Fatalf("status %d, want 204", status)
	}
	webhookWaitFor(t, "dev-2 deregistered", func() bool { return device()["state"] == "deregistered" })
	if status := postNotifications(t, hook, "", map[string]any{}); status != http.StatusUnauthorized {
		t.Errorf("without a key: status %d, want 401", status)
	}
}
