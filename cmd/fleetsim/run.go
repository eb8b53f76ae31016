package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// run starts the connector, registers the fleet and serves until ctx ends
// or -run-for passes.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	var cancel context.CancelFunc
	if c.RunFor > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.RunFor)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	ota, err := startOTA(ctx, c, log, stdout)
	if err != nil {
		return err
	}
	var otaServed <-chan error
	if ota != nil {
		otaServed = ota.served
	}
	if slices.Contains(c.Roles, roleConnector) {
		err = runConnector(ctx, cancel, c, log, otaServed, stdout)
	} else {
		select {
		case <-ctx.Done():
		case err = <-otaServed:
		}
	}
	cancel()
	return errors.Join(err, ota.stop(stdout))
}

// runConnector plays the device connector until ctx ends (or a server
// fails), then stops it.
func runConnector(ctx context.Context, cancel context.CancelFunc, c config, log *slog.Logger, otaServed <-chan error, stdout io.Writer) error {
	listener, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("-listen: %w", err)
	}
	self := c.Advertise
	if self == "" {
		self = "http://" + reachable(listener.Addr())
	}
	sims := newSimulators(c, log)
	for _, sim := range sims {
		sim.run(ctx)
	}
	server := &http.Server{Handler: newConnector(sims).handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	fmt.Fprintf(stdout, "fleetsim: connector listening on %s, webhook %s\n", self, sims[0].notify.url)

	err = prepareAll(ctx, c, sims, self, stdout)
	if err == nil {
		select {
		case <-ctx.Done():
		case err = <-served:
		case err = <-otaServed:
		}
	}
	cancel()
	return errors.Join(err, stop(server, sims, stdout))
}

// newSimulators makes each account's simulator, with its own fleet (drawn
// from the seed plus the account's position) and webhook secret.
func newSimulators(c config, log *slog.Logger) []*simulator {
	sims := make([]*simulator, len(c.Accounts))
	for k, a := range c.Accounts {
		own := c
		own.Seed += uint64(k)
		sims[k] = newSimulator(own, a, newFleet(own), newNotifier(c, a.WebhookSecret, log), log.With("account", a.Name))
	}
	return sims
}

// prepareAll prepares every account's fleet in turn.
func prepareAll(ctx context.Context, c config, sims []*simulator, self string, stdout io.Writer) error {
	for k, sim := range sims {
		own := c
		own.Seed += uint64(k)
		if c.ExpectJSON != "" {
			own.ExpectJSON = expectPath(c.ExpectJSON, c.Accounts, k)
		}
		fmt.Fprintf(stdout, "fleetsim: account %s\n", sim.account.Name)
		if err := prepare(ctx, own, sim.account, sim.fleet, self, stdout); err != nil {
			return err
		}
	}
	until := "until interrupted"
	if c.RunFor > 0 {
		until = "for " + c.RunFor.String()
	}
	fmt.Fprintf(stdout, "fleetsim: ready; serving %s\n", until)
	return nil
}

// prepare prints the expected outcome of an account's fleet (and writes it
// with -expect-json), then registers the fleet with its connector at self.
func prepare(ctx context.Context, c config, a account, devices *fleet, self string, stdout io.Writer) error {
	printExpectations(stdout, c, devices)
	if c.ExpectJSON != "" {
		if err := writeExpectations(c.ExpectJSON, devices); err != nil {
			return err
		}
	}
	if c.Register {
		start := time.Now()
		if err := newRegistrar(c, a.Key).register(ctx, c, devices, self); err != nil {
			return err
		}
		took := time.Since(start)
		fmt.Fprintf(stdout, "fleetsim: registered %d devices in %v (%.0f devices/s)\n", devices.size(), took.Round(time.Millisecond), float64(devices.size())/took.Seconds())
	}
	return nil
}

// stop ends the simulation once its context is cancelled: the connector
// stops taking writes, the devices' scripts and the webhook shards end, and
// the run's figures are printed, per account and for the whole run, with
// the peak memory the process took.
func stop(server *http.Server, sims []*simulator, stdout io.Writer) error {
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := server.Shutdown(shutdown)
	var writes, items, bodies, retries, lost int64
	for _, sim := range sims {
		sim.wait()
		n := sim.notify
		fmt.Fprintf(stdout, "fleetsim: account %s: %d manifest writes, %d refused as another account's; webhook: %d items\n",
			sim.account.Name, sim.writes.Load(), sim.misrouted.Load(), n.items.Load())
		writes, items, bodies = writes+sim.writes.Load(), items+n.items.Load(), bodies+n.bodies.Load()
		retries, lost = retries+n.retries.Load(), lost+n.lost.Load()
	}
	fmt.Fprintf(stdout, "fleetsim: %d manifest writes; webhook: %d items in %d bodies, %d retries, %d items not delivered; peak RSS %s\n",
		writes, items, bodies, retries, lost, peakRSS())
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// reachable turns a listening address into one a local client can reach.
func reachable(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP.IsUnspecified() {
		return fmt.Sprintf("127.0.0.1:%d", tcp.Port)
	}
	return strings.TrimPrefix(tcp.AddrPort().String(), "::ffff:")
}
