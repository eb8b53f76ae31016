// Command fleetsim is the other side of the Update Service for development,
// demos, tests and load: a Pelion Connect-style device connector with N
// simulated devices. It registers its devices with the service (bulk,
// mechanism_url pointing at itself), takes manifest writes, answers each
// with an async response on the service's webhook, walks the device
// through update states to a success or failure result, and prints the
// outcome the service must report per category (and per device with
// -expect-json), so a run can be checked exactly. The seed fixes which
// device gets which outcome, failure code and latencies.
//
// It plays the connector for one account or several (-account, each with
// its API key, connector key and webhook secret): each account has its
// own fleet, the same device ids included, tells its writes by the
// connector key they carry, and has its devices' reports sent with its own
// webhook secret.
//
// It is made for fleets of a million devices in one process: a device at
// rest costs a byte (the rest is derived from the seed and its index when
// needed), a device playing its script a scheduler entry, and the
// devices' items go out in bodies of up to -batch items, -webhook-parallel
// bodies in flight.
//
// With -roles it also plays, alone or beside the connector, the two OTA
// services the Campaigner called: a Device Registry serving seeded groups
// of UUID devices, and a Director that assigns updates, fails calls on
// purpose (a rate, an outage window) and reports each installation on
// Kafka as the Director's update report.
//
//	fleetsim -account ACCOUNT:API_KEY:CONNECTOR_KEY:WEBHOOK_SECRET -devices 10000 -mix success=80,fail=10,uptodate=4,wrongclass=3,silent=3
//	fleetsim -roles registry,director -groups 1000,5000 -kafka localhost:9092
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
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fleetsim:", err)
		os.Exit(1)
	}
}
