package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/updateservice/updateservice/adapters/bus"
)

// otaSide is the running Device Registry and Director.
type otaSide struct {
	server   *http.Server
	served   chan error
	director *director
	bus      *bus.PubSub
	record   *os.File // the Director's record; nil: none
}

// startOTA serves the Registry and the Director when -roles asks for
// them; nil when it asks for neither.
func startOTA(ctx context.Context, c config, log *slog.Logger, stdout io.Writer) (*otaSide, error) {
	registryOn, directorOn := slices.Contains(c.Roles, roleRegistry), slices.Contains(c.Roles, roleDirector)
	if !registryOn && !directorOn {
		return nil, nil
	}
	fleet := newOTAFleet(c.Seed, c.OTA.Groups)
	mux := http.NewServeMux()
	side := &otaSide{served: make(chan error, 1)}
	if registryOn {
		(&registry{fleet: fleet}).routes(mux)
	}
	if directorOn {
		if err := side.startDirector(ctx, c, fleet, log, mux); err != nil {
			return nil, err
		}
	}
	listener, err := net.Listen("tcp", c.OTA.Listen)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("-ota-listen: %w", err), side.closeBus())
	}
	side.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { side.served <- side.server.Serve(listener) }()
	fmt.Fprintf(stdout, "fleetsim: %s listening on http://%s\n", otaRoles(registryOn, directorOn), reachable(listener.Addr()))
	for g, size := range c.OTA.Groups {
		fmt.Fprintf(stdout, "fleetsim: group %s: %d devices\n", fleet.groupID(g), size)
	}
	return side, nil
}

// startDirector makes the Director, its Kafka publisher and its record,
// and adds its routes to mux.
func (s *otaSide) startDirector(ctx context.Context, c config, fleet otaFleet, log *slog.Logger, mux *http.ServeMux) error {
	ps, err := bus.NewKafka([]string{c.OTA.Kafka}, bus.KafkaConfig{ClientID: "fleetsim"}, log)
	if err != nil {
		return fmt.Errorf("-kafka: %w", err)
	}
	s.bus = ps
	s.director = newDirector(ctx, c.OTA, c.Seed, fleet, bus.NewPublisher(ps), log.With("role", roleDirector))
	if c.OTA.Record != "" {
		if s.record, err = os.Create(c.OTA.Record); err != nil {
			return errors.Join(fmt.Errorf("-director-record: %w", err), s.closeBus())
		}
		s.director.record = newDirectorRecord(s.record)
	}
	s.director.routes(mux)
	return nil
}

// otaRoles names the OTA roles played.
func otaRoles(registry, director bool) string {
	switch {
	case registry && director:
		return "Device Registry and Director"
	case registry:
		return "Device Registry"
	}
	return "Director"
}

// stop stops serving, drops the installations not done, and prints the
// Director's figures.
func (s *otaSide) stop(stdout io.Writer) error {
	if s == nil {
		return nil
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.server.Shutdown(shutdown)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if d := s.director; d != nil {
		d.stop()
		fmt.Fprintf(stdout, "fleetsim: director: %d devices assigned, %d reported, %d cancelled, %d calls answered 503\n",
			d.assigned.Load(), d.reported.Load(), d.cancelled.Load(), d.failed.Load())
	}
	return errors.Join(err, s.closeBus())
}

// closeBus closes the Director's publisher and record, when it has them.
func (s *otaSide) closeBus() error {
	var errs []error
	if s.bus != nil {
		errs = append(errs, s.bus.Close())
	}
	if s.record != nil {
		errs = append(errs, s.record.Close())
	}
	return errors.Join(errs...)
}
