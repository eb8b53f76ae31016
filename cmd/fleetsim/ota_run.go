package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
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
		ps, err := bus.NewKafka([]string{c.OTA.Kafka}, bus.KafkaConfig{ClientID: "fleetsim"}, log)
		if err != nil {
			return nil, fmt.Errorf("-kafka: %w", err)
		}
		side.bus = ps
		side.director = newDirector(ctx, c.OTA, c.Seed, fleet, bus.NewPublisher(ps), log.With("role", roleDirector))
		side.director.routes(mux)
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

func (s *otaSide) closeBus() error {
	if s.bus == nil {
		return nil
	}
	return s.bus.Close()
}
