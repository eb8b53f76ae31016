// Command kafkafake runs an in-memory Kafka broker (franz-go's kfake, the
// Kafka wire protocol) on a port, with the service's topics made, so that
// the service and fleetsim's Director can share queues on a machine
// without Kafka:
//
//	kafkafake -listen 127.0.0.1:9092
//	KAFKA_HOST=127.0.0.1:9092 updated
//	fleetsim -roles registry,director -kafka 127.0.0.1:9092
//
// It keeps the messages in memory only: they are gone when it stops.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/updateservice/updateservice/adapters/bus"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kafkafake:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kafkafake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9092", "address to listen on (Kafka's port is 9092; :0 picks a free one)")
	partitions := fs.Int("partitions", 4, "partitions of each of the service's topics")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *partitions < 1 {
		return fmt.Errorf("-partitions %d: want at least 1", *partitions)
	}
	// One broker on the address asked for: kfake would otherwise pick
	// ports of its own, which a user could not name in KAFKA_HOST.
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(*partitions), bus.Topics()...),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, *listen) }))
	if err != nil {
		return err
	}
	defer cluster.Close()
	addrs := strings.Join(cluster.ListenAddrs(), ",")
	fmt.Fprintf(stdout, "kafkafake: a Kafka broker (in memory) on %s with the service's %d topics\n  KAFKA_HOST=%s\n",
		addrs, len(bus.Topics()), addrs)
	<-ctx.Done()
	return nil
}
