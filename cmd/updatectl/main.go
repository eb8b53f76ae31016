// Command updatectl is the operator's and auditor's command line of the
// Update Service: it verifies and rebuilds the read models, shows and
// retries the quarantine, and puts messages on the service's queues. It
// reads the service's own configuration variables (DB_URL, EVENTSTORE_URL,
// KAFKA_HOST, ...). Exit codes: 0 done, 1 failed or differences found,
// 2 usage or configuration error.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "updatectl:", err)
	}
	os.Exit(exitCode(err))
}
