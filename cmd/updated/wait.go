package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// waitFor calls try until it succeeds or ctx ends, pausing from half a
// second, doubling up to ten, between tries. A dependency that is not up
// yet (Postgres or Kafka started by the same orchestrator, or restarting)
// delays the start instead of failing it; each failure is logged and
// shown on /readyz through front, so an operator sees what the service
// waits for.
func waitFor[T any](ctx context.Context, log *slog.Logger, front *startingFront, what string, try func(context.Context) (T, error)) (T, error) {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.Multiplier = 500*time.Millisecond, 10*time.Second, 2
	front.waiting(what, errors.New("connecting"))
	v, err := backoff.Retry(ctx, func() (T, error) { return try(ctx) },
		backoff.WithBackOff(b), backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, next time.Duration) {
			log.Warn("waiting for a dependency", "dependency", what, "error", err, "retry_in", next.Round(time.Millisecond))
			front.waiting(what, err)
		}))
	if err != nil {
		return v, fmt.Errorf("waiting for %s: %w", what, err)
	}
	front.waiting(what, nil)
	return v, nil
}

// startingFront answers HTTP while the service waits for its dependencies
// at start: /healthz 200 (the process is alive: no restart needed),
// /readyz 503 naming what it waits for, anything else 503 with an error
// object. Orchestrators thus see a live service that is not ready, rather
// than one that exits and restarts in a loop.
type startingFront struct {
	server   *http.Server
	listener *handOverListener
	served   chan struct{}
	once     sync.Once

	mu      sync.Mutex
	pending map[string]string // dependency → why it is not ready yet
}

// startFront serves the starting answers on listener until handOver.
func startFront(listener net.Listener) *startingFront {
	f := &startingFront{listener: &handOverListener{Listener: listener}, served: make(chan struct{}), pending: map[string]string{}}
	f.server = &http.Server{Handler: http.HandlerFunc(f.answer), ReadHeaderTimeout: 10 * time.Second}
	go func() { defer close(f.served); _ = f.server.Serve(f.listener) }()
	return f
}

// waiting records why dependency what is not ready; nil: it is.
func (f *startingFront) waiting(what string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.pending, what)
		return
	}
	f.pending[what] = "waiting: " + err.Error()
}

func (f *startingFront) answer(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	checks := map[string]string{"startup": "waiting for dependencies"}
	for k, v := range f.pending {
		checks[k] = v
	}
	f.mu.Unlock()
	status, body := http.StatusServiceUnavailable, any(nil)
	switch r.URL.Path {
	case "/healthz":
		status, body = http.StatusOK, map[string]string{"status": "ok"}
	case "/readyz":
		body = map[string]any{"status": http.StatusText(status), "checks": checks}
	default:
		body = map[string]any{"object": "error", "code": status, "type": "internal_error",
			"message": "the service is starting: it waits for its dependencies (see /readyz)", "request_id": r.Header.Get("X-Request-Id")}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", "1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// handOver stops answering and leaves the listener open for the service's
// own server: connections arriving meanwhile wait in the listen queue.
func (f *startingFront) handOver() {
	f.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = f.server.Shutdown(ctx)
		<-f.served
		f.listener.reopen()
	})
}

// stoppedWaiting is run's answer when waiting for a dependency ended: a
// stop asked for meanwhile (SIGTERM) is a clean exit.
func stoppedWaiting(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// handOverListener is a TCP listener whose Close only interrupts Accept,
// so that one server can hand the listening socket to the next.
type handOverListener struct{ net.Listener }

// Close makes the pending Accept return; the socket stays open.
func (l *handOverListener) Close() error {
	if d, ok := l.Listener.(interface{ SetDeadline(time.Time) error }); ok {
		return d.SetDeadline(time.Now())
	}
	return l.Listener.Close()
}

func (l *handOverListener) reopen() {
	if d, ok := l.Listener.(interface{ SetDeadline(time.Time) error }); ok {
		_ = d.SetDeadline(time.Time{})
	}
}
