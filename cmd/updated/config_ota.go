package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/updateservice/updateservice/adapters/ota"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/internal/wiring"
)

// OTAService is where one of Campaigner's OTA services (the Device
// Registry, the Director) listens; a zero value: not configured.
type OTAService struct {
	// Host is the service's host name or address, without scheme or port.
	Host string
	// Port is the service's HTTP port (default 80 when Host is set).
	Port int
}

// URL is the service's base URL, "" when it is not configured.
func (s OTAService) URL() string {
	if s.Host == "" {
		return ""
	}
	return "http://" + net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
}

// String shows the service for the printed configuration.
func (s OTAService) String() string {
	if s.Host == "" {
		return "(unset)"
	}
	return s.URL()
}

// otaService parses the values of a service's <prefix>_HOST and
// <prefix>_PORT variables; a port alone is a problem, as it would silently
// not be used.
func otaService(prefix, host, port string, into *OTAService) error {
	host, port = strings.TrimSpace(host), strings.TrimSpace(port)
	*into = OTAService{Host: host, Port: 80}
	var problems []error
	if u, err := url.Parse("http://" + host); host != "" && (err != nil || u.Host != host || u.Port() != "" || u.Path != "") {
		problems = append(problems, fmt.Errorf("%s_HOST=%q: not a host name or address (no scheme, port or path)", prefix, host))
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			problems = append(problems, fmt.Errorf("%s_PORT=%q: not a port (1-65535)", prefix, port))
		}
		into.Port = n
		if host == "" {
			problems = append(problems, fmt.Errorf("%s_PORT=%q is set without %s_HOST", prefix, port, prefix))
		}
	}
	return errors.Join(problems...)
}

// directorOf is the campaign engine's Director at s; nil when s is unset,
// so that the engine sends every campaign's manifests through the
// send-manifest queue (a nil *ota.Director would make a non-nil port).
func directorOf(s OTAService) engine.UpdateAssigner {
	if s.URL() == "" {
		return nil
	}
	return ota.NewDirector(s.URL(), ota.Options{})
}

// registryOf is the Device Registry at s; nil when s is unset, so that
// the engine and the API use the catalog (a nil *ota.Registry would make
// non-nil ports).
func registryOf(s OTAService) *wiring.Registry {
	if s.URL() == "" {
		return nil
	}
	return &wiring.Registry{Client: ota.NewRegistry(s.URL(), ota.Options{})}
}
