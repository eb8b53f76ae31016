package connector_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/connector"
	"github.com/updateservice/updateservice/domain"
)

// anyKey gives account acme a key, for tests about something else.
var anyKey = map[domain.AccountID]connector.Account{"acme": {APIKey: "k"}}

func TestSendManifestGoesOutWithItsAccountsKeyAndURL(t *testing.T) {
	type write struct{ server, auth, device string }
	var got []write
	serve := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = append(got, write{name, r.Header.Get("Authorization"), r.PathValue("device")})
			w.WriteHeader(http.StatusAccepted)
		}))
	}
	shared, own := serve("shared"), serve("own")
	defer shared.Close()
	defer own.Close()
	for _, s := range []*httptest.Server{shared, own} {
		mux := http.NewServeMux()
		mux.Handle("POST /v2/device-requests/{device}", s.Config.Handler)
		s.Config.Handler = mux
	}
	c := connector.NewClient(shared.URL, map[domain.AccountID]connector.Account{
		"acme": {APIKey: "key-acme"}, "globex": {APIKey: "key-globex", URL: own.URL}}, nil)
	for _, account := range []domain.AccountID{"acme", "globex"} {
		if err := c.SendManifest(context.Background(), account, "sensor-1", domain.AsyncID(account, "c1", "sensor-1"), nil); err != nil {
			t.Fatalf("SendManifest(%s): %v", account, err)
		}
	}
	want := []write{{"shared", "Bearer key-acme", "sensor-1"}, {"own", "Bearer key-globex", "sensor-1"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("writes = %+v, want %+v", got, want)
	}

	err := c.SendManifest(context.Background(), "initech", "sensor-1", domain.AsyncID("initech", "c1", "sensor-1"), nil)
	var notConfigured *connector.NotConfiguredError
	var permanent interface{ Permanent() bool }
	if !errors.As(err, &notConfigured) || notConfigured.Account != "initech" || !errors.As(err, &permanent) || !permanent.Permanent() {
		t.Errorf("a write of an account without credentials: got %v, want a permanent *NotConfiguredError for initech", err)
	}
	if len(got) != 2 {
		t.Errorf("a write of an account without credentials went out: %+v", got[2:])
	}
}

func TestSendManifestWritesTheManifestResourceWithTheAsyncID(t *testing.T) {
	var got struct {
		method, path, asyncID, auth string
		body                        map[string]string
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path, got.asyncID, got.auth = r.Method, r.URL.EscapedPath(), r.URL.Query().Get("async-id"), r.Header.Get("Authorization")
		if err := json.NewDecoder(r.Body).Decode(&got.body); err != nil {
			t.Errorf("body: %v", err)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	c := connector.NewClient(srv.URL+"/", map[domain.AccountID]connector.Account{"acme": {APIKey: "k1"}}, nil)
	if err := c.SendManifest(context.Background(), "acme", "dev/1", "camp.ZGV2", []byte{0xca, 0xfe}); err != nil {
		t.Fatalf("SendManifest: %v", err)
	}
	if got.method != "POST" || got.path != "/v2/device-requests/dev%2F1" || got.asyncID != "camp.ZGV2" || got.auth != "Bearer k1" {
		t.Errorf("request = %s %s async-id=%q auth=%q", got.method, got.path, got.asyncID, got.auth)
	}
	want := map[string]string{"method": "PUT", "uri": "/10252/0/1", "content-type": "application/octet-stream",
		"payload-b64": base64.StdEncoding.EncodeToString([]byte{0xca, 0xfe})}
	for k, v := range want {
		if got.body[k] != v {
			t.Errorf("body[%q] = %q, want %q", k, got.body[k], v)
		}
	}
}

func TestSendManifestTellsPermanentFromTemporaryFailures(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		rejected  bool
		message   string
		retryWait time.Duration
	}{
		{name: "an unknown device is rejected for good", status: 404, body: `{"object":"error","message":"no such device"}`, rejected: true, message: "no such device"},
		{name: "a bad request is rejected for good", status: 400, body: "bad payload\n", rejected: true, message: "bad payload"},
		{name: "a server error is temporary", status: 503, body: "down", message: "down"},
		{name: "rate limiting is temporary and says how long to wait", status: 429, message: "", retryWait: 3 * time.Second},
		{name: "a request timeout is temporary", status: 408},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retryWait > 0 {
					w.Header().Set("Retry-After", "3")
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			err := connector.NewClient(srv.URL, anyKey, nil).SendManifest(context.Background(), "acme", "d1", "a1", nil)
			if got := errors.Is(err, connector.ErrRejected); got != tt.rejected {
				t.Errorf("errors.Is(%v, ErrRejected) = %v, want %v", err, got, tt.rejected)
			}
			if got := errors.Is(err, connector.ErrUnavailable); got == tt.rejected {
				t.Errorf("errors.Is(%v, ErrUnavailable) = %v, want %v", err, got, !tt.rejected)
			}
			var rejected *connector.RejectedError
			var unavailable *connector.UnavailableError
			switch {
			case errors.As(err, &rejected):
				if rejected.Status != tt.status || rejected.Message != tt.message || rejected.Device != "d1" {
					t.Errorf("got %+v, want status %d message %q", rejected, tt.status, tt.message)
				}
				if domain.KindOf(err) != domain.KindInvalid {
					t.Errorf("kind %v, want invalid so that queues do not retry it", domain.KindOf(err))
				}
			case errors.As(err, &unavailable):
				if unavailable.Status != tt.status || unavailable.Message != tt.message || unavailable.RetryAfter != tt.retryWait {
					t.Errorf("got %+v, want status %d message %q retry after %v", unavailable, tt.status, tt.message, tt.retryWait)
				}
			default:
				t.Fatalf("error %v (%T) is neither", err, err)
			}
		})
	}
}

func TestSendManifestCountsAnUnreachableOrSlowConnectorAsUnavailable(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client going away
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name   string
		client *connector.Client
	}{
		{name: "the client's timeout passes", client: connector.NewClient(slow.URL, anyKey, &http.Client{Timeout: 50 * time.Millisecond})},
		{name: "nothing listens", client: connector.NewClient(closed.URL, anyKey, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.client.SendManifest(context.Background(), "acme", "d1", "a1", []byte("m"))
			var unavailable *connector.UnavailableError
			if !errors.As(err, &unavailable) || unavailable.Status != 0 || unavailable.Err == nil {
				t.Fatalf("err = %v (%T), want an *UnavailableError with the transport error", err, err)
			}
		})
	}
}

func TestSendManifestStopsWhenTheContextEnds(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := connector.NewClient(srv.URL, anyKey, nil).SendManifest(ctx, "acme", "d1", "a1", nil)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, connector.ErrUnavailable) {
		t.Errorf("err = %v, want a deadline-exceeded unavailable error", err)
	}
}

// Writes in parallel reuse their connections: a campaign's rounds of
// writes do not dial a connection per write.
func TestParallelWritesReuseTheirConnections(t *testing.T) {
	var dialed atomic.Int64
	server := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond) // the writes of a round overlap
		w.WriteHeader(http.StatusAccepted)
	}))
	server.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialed.Add(1)
		}
	}
	server.Start()
	defer server.Close()
	c := connector.NewClient(server.URL, anyKey, nil)
	const parallel, rounds = 32, 5
	for range rounds {
		var wg sync.WaitGroup
		for i := range parallel {
			wg.Go(func() {
				device := domain.DeviceID(fmt.Sprintf("d-%d", i))
				if err := c.SendManifest(context.Background(), "acme", device, domain.AsyncID("acme", "c1", device), nil); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := dialed.Load(); n > parallel+parallel/2 {
		t.Errorf("%d connections for %d rounds of %d parallel writes, want about %d", n, rounds, parallel, parallel)
	}
}
