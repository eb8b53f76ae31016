package ota_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/ota"
	"github.com/updateservice/updateservice/domain"
)

// quick retries three times without waiting long.
var quick = ota.Retry{Attempts: 3, Initial: time.Millisecond, MaxInterval: 2 * time.Millisecond}

// outcome is what a call ended with, as a caller tells it.
type outcome struct {
	Requests  int32
	Affected  []domain.DeviceID
	Service   string // of an *ota.Error, "" without one
	Status    int
	Attempts  int
	Temporary bool
	Cancelled bool // the error is the context's
}

func TestFailedCallsAreRetriedOnlyWhenTheFailureMayPass(t *testing.T) {
	for _, tc := range []struct {
		name string
		// answer answers the nth request (from 1); nil: the server is gone.
		answer func(n int32, w http.ResponseWriter)
		ctx    func() context.Context
		want   outcome
	}{
		{"a 503 then an answer is retried", func(n int32, w http.ResponseWriter) {
			if n == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte(`["d1"]`))
		}, nil, outcome{Requests: 2, Affected: []domain.DeviceID{"d1"}}},
		{"5xx every time ends after the attempts", func(_ int32, w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) },
			nil, outcome{Requests: 3, Service: ota.ServiceDirector, Status: 502, Attempts: 3, Temporary: true}},
		{"a 400 is not retried", func(_ int32, w http.ResponseWriter) {
			http.Error(w, `{"code":"invalid_entity"}`, http.StatusBadRequest)
		},
			nil, outcome{Requests: 1, Service: ota.ServiceDirector, Status: 400, Attempts: 1}},
		{"an answer that is not the devices is not retried", func(_ int32, w http.ResponseWriter) { _, _ = w.Write([]byte(`{"oops":1}`)) },
			nil, outcome{Requests: 1, Service: ota.ServiceDirector, Status: 200, Attempts: 1}},
		{"a slow answer times out and is retried", func(n int32, w http.ResponseWriter) {
			if n == 1 {
				time.Sleep(300 * time.Millisecond)
			}
			_, _ = w.Write([]byte(`["d1"]`))
		}, nil, outcome{Requests: 2, Affected: []domain.DeviceID{"d1"}}},
		{"no server is retried and fails without a status", nil, nil,
			outcome{Service: ota.ServiceDirector, Attempts: 3, Temporary: true}},
		{"a cancelled call answers the context's error", func(_ int32, w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) },
			func() context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			}, outcome{Requests: 0, Cancelled: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var requests atomic.Int32
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tc.answer(requests.Add(1), w)
			}))
			defer s.Close()
			if tc.answer == nil {
				s.Close()
			}
			ctx := context.Background()
			if tc.ctx != nil {
				ctx = tc.ctx()
			}
			d := ota.NewDirector(s.URL, ota.Options{HTTP: &http.Client{Timeout: 100 * time.Millisecond}, Retry: quick})
			affected, err := d.Assign(ctx, "acme", "urn:here-ota:campaign:c1", "u1", []domain.DeviceID{"d1"}, false)
			got := outcome{Requests: requests.Load(), Cancelled: errors.Is(err, context.Canceled)}
			if err == nil {
				got.Affected = affected
			}
			var e *ota.Error
			if errors.As(err, &e) {
				got.Service, got.Status, got.Attempts, got.Temporary = e.Service, e.Status, e.Attempts, e.Temporary()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}
