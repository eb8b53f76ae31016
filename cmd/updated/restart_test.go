package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// A background part that fails is run again, after a pause, until the
// service stops: its failure never ends the process.
func TestAFailingBackgroundPartIsRestarted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var runs atomic.Int32
	part := func(ctx context.Context) error {
		if runs.Add(1) <= 2 {
			return errors.New("the database went away")
		}
		<-ctx.Done()
		return ctx.Err()
	}
	done := make(chan error, 1)
	go func() { done <- restarting(slog.New(slog.NewTextHandler(io.Discard, nil)), "test part", part)(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for runs.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the part ran %d times in 10s, want a third run after two failures", runs.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("restarting returned %v while the service runs", err)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("after the service stopped: %v, want context.Canceled", err)
	}
}
