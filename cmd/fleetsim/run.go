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
	devices := newFleet(c)
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
	sim := newSimulator(c, devices, notify, log)
	sim.run(ctx)
	server := &http.Server{Handler: sim.handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	fmt.Fprintf(stdout, "fleetsim: connector listening on %s, webhook %s\n", self, notify.url)

	err = prepare(ctx, c, devices, self, stdout)
	if err == nil {
		select {
		case <-ctx.Done():
		case err = <-served:
		}
	}
	cancel()
	return errors.Join(err, stop(server, sim, stdout))
}

// prepare prints the expected outcome (and writes it with -expect-json),
// then registers the fleet with its connector at self.
func prepare(ctx context.Context, c config, devices *fleet, self string, stdout io.Writer) error {
	printExpectations(stdout, c, devices)
	if c.ExpectJSON != "" {
		if err := writeExpectations(c.ExpectJSON, devices); err != nil {
			return err
		}
	}
	if c.Register {
		start := time.Now()
		if err := newRegistrar(c).register(ctx, c, devices, self); err != nil {
			return err
		}
		took := time.Since(start)
		fmt.Fprintf(stdout, "fleetsim: registered %d devices in %v (%.0f devices/s)\n", devices.size(), took.Round(time.Millisecond), float64(devices.size())/took.Seconds())
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
// the run's figures are printed, with the peak memory the process took.
func stop(server *http.Server, sim *simulator, stdout io.Writer) error {
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := server.Shutdown(shutdown)
	sim.wait()
	n := sim.notify
	fmt.Fprintf(stdout, "fleetsim: %d manifest writes; webhook: %d items in %d bodies, %d retries, %d items not delivered; peak RSS %s\n",
		sim.writes.Load(), n.items.Load(), n.bodies.Load(), n.retries.Load(), n.lost.Load(), peakRSS())
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
