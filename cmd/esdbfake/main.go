// Command esdbfake runs the wire-level EventStoreDB of
// adapters/eventstoredb/esdbtest on a port, so that the service (or any
// EventStoreDB gRPC client) can be started against it by hand:
//
//	esdbfake -listen 127.0.0.1:2113
//	EVENTSTORE_URL='esdb://127.0.0.1:2113?tls=false' updated
//
// It keeps the events in memory only: they are gone when it stops.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/updateservice/updateservice/adapters/eventstoredb/esdbtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "esdbfake:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("esdbfake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:2113", "address to listen on (EventStoreDB's port is 2113; :0 picks a free one)")
	maxAppend := fs.Int("max-append-size", 1<<20, "largest append in bytes, as EventStoreDB's MaxAppendSize")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := esdbtest.Start(*listen, esdbtest.Options{MaxAppendSize: *maxAppend})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "esdbfake: a wire-level EventStoreDB (in memory) on %s\n  EVENTSTORE_URL=%s\n", srv.Addr(), srv.URL())
	served := make(chan error, 1)
	go func() { served <- srv.Wait() }()
	select {
	case <-ctx.Done():
		srv.Close()
		return nil
	case err := <-served:
		return err
	}
}
