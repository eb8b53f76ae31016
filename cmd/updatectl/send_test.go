package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/updateservice/updateservice/adapters/bus"
)

// newKafka starts an in-process Kafka cluster (kfake) with every topic,
// serving the real protocol on 127.0.0.1, and returns its address.
func newKafka(t *testing.T) string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, bus.Topics()...),
		kfake.ListenFn(func(string, string) (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return strings.Join(c.ListenAddrs(), ",")
}

// consumed is a message as the service's consumer reads it.
type consumed struct {
	Key     string
	Payload string
}

// consume reads n messages of queue with the bus's own subscriber, the
// service's consumer.
func consume(t *testing.T, brokers string, queue string, n int) []consumed {
	t.Helper()
	ps, err := bus.NewKafka(strings.Split(brokers, ","), bus.KafkaConfig{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	sub, err := ps.Subscriber("updatectl-test")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	messages, err := sub.Subscribe(ctx, queue)
	if err != nil {
		t.Fatal(err)
	}
	var out []consumed
	for len(out) < n {
		select {
		case m := <-messages:
			out = append(out, consumed{Key: m.Metadata.Get(bus.MetadataKey), Payload: string(m.Payload)})
			m.Ack()
		case <-ctx.Done():
			t.Fatalf("consumed %d of %d messages", len(out), n)
		}
	}
	return out
}

func writeFile(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "messages.ndjson")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// send puts each line on the queue keyed as the service keys it, and the
// service's consumer reads them in order; a file with an invalid line
// sends nothing, names the line and exits 1.
func TestSendPutsEachLineOnTheQueueKeyedAsTheServiceKeysIt(t *testing.T) {
	brokers := newKafka(t)
	getenv := func(k string) string {
		if k == "KAFKA_HOST" {
			return brokers
		}
		return ""
	}
	const queue = bus.QueueApplyFirmwareUpdate
	const campaign = "0157f3a2b6c94d5e8f0a1b2c3d4e5f60"
	bad := writeFile(t, `{"account_id":"initech","campaign_id":"`+campaign+`"}`, `{"account_id":"acme"}`)
	code, _, stderr := updatectl(t, getenv, "send", queue, bad)
	if code != exitFailed || !strings.Contains(stderr, "line 2: invalid message on "+queue) {
		t.Fatalf("send of a file with an invalid line: exit %d, want %d naming line 2\n%s", code, exitFailed, stderr)
	}

	lines := []string{`{"account_id":"acme","campaign_id":"` + campaign + `"}`, ``, `{"account_id":"globex","campaign_id":"` + campaign + `"}`}
	code, stdout, stderr := updatectl(t, getenv, "send", queue, writeFile(t, lines...))
	if code != exitOK || !strings.Contains(stdout, "sent 2 messages to "+queue) {
		t.Fatalf("send: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	want := []consumed{{Key: campaign, Payload: lines[0]}, {Key: campaign, Payload: lines[2]}}
	if diff := cmp.Diff(want, consume(t, brokers, queue, 2)); diff != "" {
		t.Errorf("consumed (-want +got):\n%s", diff)
	}
}
