package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while run writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-listen", "127.0.0.1:0"}, nil, &out, &errs) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "EVENTSTORE_URL=esdb://127.0.0.1:") {
		if time.Now().After(deadline) {
			t.Fatalf("no connection string printed; stdout %q, stderr %q", out.String(), errs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop after its context ended")
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	var out, errs syncBuffer
	if err := run(context.Background(), []string{"-nope"}, nil, &out, &errs); err == nil {
		t.Error("run accepted an unknown flag")
	}
}
