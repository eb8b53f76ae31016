package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/bus"
)

// idleHandlers satisfy the router's ports; no message reaches them here.
type idleHandlers struct {
	bus.Commands
	bus.ReadModels
	bus.Sender
}

// When the queues' router stops on its own (a broker that went away ends
// its subscriptions), the service runs a new one: the queues part is
// restarted like the others instead of ending the process.
func TestTheQueuesRunAgainAfterTheirRouterStopped(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	made := make(chan *bus.Router, 10)
	newRouter := func() (*bus.Router, error) {
		var h idleHandlers
		r, err := bus.NewRouter(bus.NewInProcess(log), bus.Handlers{Commands: h, ReadModels: h, Sender: h, Available: func(context.Context) error { return nil }}, log, nil)
		if err == nil {
			made <- r
		}
		return r, err
	}
	first, err := newRouter()
	if err != nil {
		t.Fatal(err)
	}
	<-made
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- restartableQueues(log, first, newRouter)(ctx) }()
	waitRunning(t, first)
	_ = first.Close() // as when every subscription ended

	select {
	case second := <-made:
		waitRunning(t, second)
	case err := <-done:
		t.Fatalf("the queues part ended with %v after its router stopped, want a new router", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no new router within 10s after the first stopped")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("after the service stopped: %v, want context.Canceled", err)
	}
}

func waitRunning(t *testing.T, r *bus.Router) {
	t.Helper()
	select {
	case <-r.Running():
	case <-time.After(10 * time.Second):
		t.Fatal("the router did not run within 10s")
	}
}
