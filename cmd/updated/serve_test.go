package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// Stopping, the service first says so (/readyz), then answers the
// requests in flight, and only then stops its background parts, which
// those requests may need.
func TestStoppingAnswersRequestsInFlightBeforeThePartsStop(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var stopping atomic.Bool
	partStopped := make(chan struct{})
	part := func(ctx context.Context) error { <-ctx.Done(); close(partStopped); return ctx.Err() }
	inFlight, release := make(chan struct{}), make(chan struct{})
	var sawStopping, sawPartRunning atomic.Bool
	server := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(inFlight)
		<-release
		sawStopping.Store(stopping.Load())
		select {
		case <-partStopped:
		default:
			sawPartRunning.Store(true)
		}
		_, _ = io.WriteString(w, "answered")
	})}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, server, listener, &stopping, part) }()

	answer := make(chan string, 1)
	go func() {
		res, err := http.Get("http://" + listener.Addr().String() + "/slow")
		if err != nil {
			answer <- err.Error()
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		answer <- string(body)
	}()
	<-inFlight
	cancel() // the signal
	deadline := time.Now().Add(5 * time.Second)
	for !stopping.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the service never said it was stopping")
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	if got := <-answer; got != "answered" {
		t.Errorf("the request in flight got %q, want its answer", got)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	if !sawStopping.Load() || !sawPartRunning.Load() {
		t.Errorf("while answering: stopping %t, part running %t; want both", sawStopping.Load(), sawPartRunning.Load())
	}
	select {
	case <-partStopped:
	case <-time.After(5 * time.Second):
		t.Error("the background part was not stopped")
	}
}
