package main

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"github.com/updateservice/updateservice/internal/syncbuf"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/updateservice/updateservice/adapters/bus"
)

// Given kafkafake running, when the service's Kafka client publishes on
// one of the service's topics (made by kafkafake, never created by the
// client) and a consumer group reads it, then the message arrives: it is
// a broker the service can use as KAFKA_HOST.
func TestTheServiceKafkaClientPublishesAndConsumesThroughIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errs syncbuf.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-listen", "127.0.0.1:0"}, nil, &out, &errs) }()
	host := waitFor(t, &out, regexp.MustCompile(`KAFKA_HOST=(\S+)`))

	ps, err := bus.NewKafka([]string{host}, bus.KafkaConfig{ClientID: "kafkafake-test"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	topic := bus.Topics()[0]
	sub, err := ps.Subscriber("kafkafake-test")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := sub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Publisher().Publish(topic, message.NewMessage("m1", []byte(`{"hello":"kafka"}`))); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-msgs:
		m.Ack()
		if got := string(m.Payload); got != `{"hello":"kafka"}` {
			t.Errorf("consumed %q, want the published payload", got)
		}
	case <-ctx.Done():
		t.Fatalf("nothing consumed from %s; stderr %q", topic, errs.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"-partitions", "0"}} {
		if err := run(context.Background(), args, nil, io.Discard, io.Discard); err == nil {
			t.Errorf("run accepted %q", args)
		}
	}
}

// waitFor waits until out shows re and returns its first group.
func waitFor(t *testing.T, out *syncbuf.Buffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not printed; stdout %q", re, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
