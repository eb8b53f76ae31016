package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/updateservice/updateservice/internal/syncbuf"
)

func TestRunServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncbuf.Buffer
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
	var out, errs syncbuf.Buffer
	if err := run(context.Background(), []string{"-nope"}, nil, &out, &errs); err == nil {
		t.Error("run accepted an unknown flag")
	}
}
