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
	fleet := buildFleet(c)
	listener, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("-listen: %w", err)
	}
	self := c.Advertise
	if self == "" {
		self = "http://" + reachable(listener.Addr())
	}
	var cancel context.CancelFunc
	if c.RunFor > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.RunFor)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	notify := newNotifier(c, log)
	notify.start(ctx)
	sim := newSimulator(ctx, c, fleet, notify, log)
	server := &http.Server{Handler: sim.handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	fmt.Fprintf(stdout, "fleetsim: connector listening on %s, webhook %s\n", self, notify.url)

	err = prepare(ctx, c, fleet, self, stdout)
	if err == nil {
		select {
		case <-ctx.Done():
		case err = <-served:
		}
	}
	cancel()
	return errors.Join(err, stop(server, sim, notify, stdout))
}

// prepare prints the expected outcome (and writes it with -expect-json),
// then registers the fleet with its connector at self.
func prepare(ctx context.Context, c config, fleet []device, self string, stdout io.Writer) error {
	printExpectations(stdout, c, fleet)
	if c.ExpectJSON != "" {
		if err := writeExpectations(c.ExpectJSON, fleet); err != nil {
			return err
		}
	}
	if c.Register {
		start := time.Now()
		if err := newRegistrar(c).register(ctx, c, fleet, self); err != nil {
			return err
		}
		took := time.Since(start)
		fmt.Fprintf(stdout, "fleetsim: registered %d devices in %v (%.0f devices/s)\n", len(fleet), took.Round(time.Millisecond), float64(len(fleet))/took.Seconds())
	}
	until := "until interrupted"
	if c.RunFor > 0 {
		until = "for " + c.RunFor.String()
	}
	fmt.Fprintf(stdout, "fleetsim: ready; serving %s\n", until)
	return nil
}

// stop ends the simulation once its context is cancelled: the connector
// stops taking writes, the devices' scripts and the webhook shards end, and
// the run's figures are printed.
func stop(server *http.Server, sim *simulator, notify *notifier, stdout io.Writer) error {
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := server.Shutdown(shutdown)
	sim.scripts.Wait()
	notify.wait()
	fmt.Fprintf(stdout, "fleetsim: %d manifest writes; webhook: %d items in %d bodies, %d retries, %d items not delivered\n",
		sim.writes.Load(), notify.items.Load(), notify.bodies.Load(), notify.retries.Load(), notify.lost.Load())
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
