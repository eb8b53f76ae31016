package main_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// received is one request a receiver was sent.
type received struct {
	id, timestamp, signature string
	body                     []byte
}

// receiver is a webhook's receiving end: it keeps every request and
// answers each with answer(the number of requests of that Webhook-Id so
// far, from 1).
type receiver struct {
	*httptest.Server
	answer  func(n int) int
	mu      sync.Mutex
	got     []received
	arrived chan struct{}
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	r := &receiver{answer: answer, arrived: make(chan struct{}, 1000)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		rec := received{req.Header.Get("Webhook-Id"), req.Header.Get("Webhook-Timestamp"), req.Header.Get("Webhook-Signature"), body}
		r.got = append(r.got, rec)
		n := 0
		for _, g := range r.got {
			if g.id == rec.id {
				n++
			}
		}
		r.mu.Unlock()
		r.arrived <- struct{}{}
		w.WriteHeader(r.answer(n))
	}))
	t.Cleanup(r.Close)
	return r
}

// waitUntil waits for requests until ok holds of those received, or fails
// the test at the deadline.
func (r *receiver) waitUntil(t *testing.T, what string, deadline time.Time, ok func([]received) bool) []received {
	t.Helper()
	for {
		r.mu.Lock()
		got := slices.Clone(r.got)
		r.mu.Unlock()
		if ok(got) {
			return got
		}
		select {
		case <-r.arrived:
		case <-time.After(time.Until(deadline)):
			t.Fatalf("%s: not by the deadline; received %d requests", what, len(got))
		}
	}
}

// deliveryBody is what the service sends.
type deliveryBody struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	AccountID  string `json:"account_id"`
	CampaignID string `json:"campaign_id"`
	OccurredAt string `json:"occurred_at"`
	Data       struct {
		Phase    string           `json:"phase"`
		State    string           `json:"state"`
		Counters map[string]int64 `json:"counters"`
	} `json:"data"`
}

// verified checks a request's signature with secret, as the README tells
// receivers to, and decodes its body.
func verified(t *testing.T, secret string, r received) deliveryBody {
	t.Helper()
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(r.timestamp + "."))
	mac.Write(r.body)
	if want := "v1=" + hex.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(want), []byte(r.signature)) {
		t.Errorf("delivery %s: signature %q, want %q", r.id, r.signature, want)
	}
	if ts, err := strconv.ParseInt(r.timestamp, 10, 64); err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
		t.Errorf("delivery %s: timestamp %q is not the time of sending", r.id, r.timestamp)
	}
	var b deliveryBody
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("delivery %s: body %s: %v", r.id, r.body, err)
	}
	if b.ID != r.id {
		t.Errorf("body id %s, Webhook-Id %s", b.ID, r.id)
	}
	return b
}

// registerWebhook registers a webhook for url wanting events (all when
// none) and returns its id and secret.
func (c *client) registerWebhook(url string, events ...string) (id, secret string) {
	var hook struct{ ID, Secret string }
	body := map[string]any{"url": url, "description": "e2e"}
	if len(events) > 0 {
		body["events"] = events
	}
	c.do("POST", "/v3/webhooks", body, http.StatusCreated, &hook)
	return hook.ID, hook.Secret
}

// A campaign's lifecycle reaches a webhook's receiver once per event,
// signed with its secret; a receiver that fails twice gets its delivery on
// the third attempt; and a receiver that hangs delays neither the
// campaign nor the other receivers.
func TestWebhooksDeliverACampaignsLifecycle(t *testing.T) {
	const devices = 20
	bin := buildBinaries(t)
	dir := t.TempDir()
	sim := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	_, c := startService(t, bin, dir, pgtest.NewDatabase(t), "SCHEDULER_BATCH_SIZE=100", "SCHEDULER_DELAY=100ms",
		"SCHEDULER_POLLING_TIMEOUT=1s", "DEVICE_UPDATE_TIMEOUT=8s", "CONNECTOR_URL=http://"+sim,
		"WEBHOOK_RETRY_BASE=100ms", "WEBHOOK_POLL=50ms", "WEBHOOK_TIMEOUT=5m")
	expectFile := startFleetsim(t, bin, dir, "-api", c.base, "-listen", sim, "-devices", fmt.Sprint(devices),
		"-seed", "3", "-latency", "20ms", "-mix", "success=100")

	good := newReceiver(t, func(int) int { return http.StatusOK })
	flaky := newReceiver(t, func(n int) int {
		return map[bool]int{true: http.StatusInternalServerError, false: http.StatusNoContent}[n <= 2]
	})
	release := make(chan struct{})
	hanging := newReceiver(t, func(int) int { <-release; return http.StatusOK })
	t.Cleanup(func() { close(release) }) // before the receivers close (cleanups run last first)
	_, goodSecret := c.registerWebhook(good.URL)
	flakyID, _ := c.registerWebhook(flaky.URL, "campaign.created")
	c.registerWebhook(hanging.URL)

	c.waitDevices(devices)
	campaign := c.startCampaign("hooks")
	deadline := time.Now().Add(3 * time.Minute)
	hanging.waitUntil(t, "the hanging receiver is sent a delivery", deadline, func(got []received) bool { return len(got) > 0 })
	c.waitFinished(campaign.ID, deadline)
	checkOutcome(t, c, campaign.ID, expectFile)
	select {
	case <-release:
		t.Fatal("the hanging receiver was released before the campaign ended")
	default: // the campaign ended while the receiver hangs
	}
	c.do("POST", "/v3/update-campaigns/"+campaign.ID+"/archive", nil, http.StatusAccepted, nil)

	lifecycle := []string{"campaign.created", "campaign.started", "campaign.active", "campaign.stopped", "campaign.archived"}
	got := good.waitUntil(t, "the good receiver gets the lifecycle", deadline, func(got []received) bool {
		var types []string
		for _, r := range got {
			var b deliveryBody
			_ = json.Unmarshal(r.body, &b)
			types = append(types, b.Type)
		}
		return !slices.ContainsFunc(lifecycle, func(k string) bool { return !slices.Contains(types, k) })
	})
	seen := map[string]bool{}
	for _, r := range got {
		b := verified(t, goodSecret, r)
		if seen[r.id] {
			t.Errorf("delivery %s (%s) received twice", r.id, b.Type)
		}
		seen[r.id] = true
		if b.AccountID != e2eAccount || b.CampaignID != campaign.ID {
			t.Errorf("delivery %s of account %s, campaign %s; want %s, %s", r.id, b.AccountID, b.CampaignID, e2eAccount, campaign.ID)
		}
		if b.Type == "campaign.stopped" && (b.Data.State != "deployed" || b.Data.Counters["deployed"] != devices) {
			t.Errorf("campaign.stopped tells state %s with %d deployed, want deployed with %d", b.Data.State, b.Data.Counters["deployed"], devices)
		}
	}

	flakyGot := flaky.waitUntil(t, "the failing receiver gets a third attempt", deadline, func(got []received) bool { return len(got) >= 3 })
	if len(flakyGot) != 3 || flakyGot[0].id != flakyGot[2].id {
		t.Errorf("the failing receiver got %d requests, want 3 of one delivery", len(flakyGot))
	}
	var page struct {
		Data []struct {
			Event, Status  string
			Attempts       int
			LastStatusCode *int `json:"last_status_code"`
		}
	}
	for ok := false; !ok; ok = len(page.Data) == 1 && page.Data[0].Status == "delivered" {
		if time.Now().After(deadline) {
			t.Fatalf("the failing receiver's delivery is not recorded delivered: %+v", page.Data)
		}
		c.do("GET", "/v3/webhooks/"+flakyID+"/deliveries", nil, http.StatusOK, &page)
		time.Sleep(20 * time.Millisecond) // the attempt's record follows its answer: poll the API for it
	}
	if d := page.Data[0]; d.Event != "campaign.created" || d.Attempts != 3 || d.LastStatusCode == nil || *d.LastStatusCode != http.StatusNoContent {
		t.Errorf("the failing receiver's delivery = %+v, want campaign.created delivered on attempt 3 with 204", d)
	}
}
