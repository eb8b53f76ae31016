package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// benchKey is the API key the bench gives the service, for account bench.
const benchKey = "bench-key"

// benchConnector is account bench's connector credentials, which the
// service is given (CONNECTOR_ACCOUNTS) and fleetsim plays with
// (-account): the connector key and the webhook secret.
const benchConnector = "bench-connector-key:bench-webhook-secret"

// service is bin/updated running as a process of its own, as users run
// it: its HTTP API, projection runner, campaign engine and queues, with
// its own defaults, on a database of its own.
type service struct {
	addr   string
	cmd    *exec.Cmd
	log    *os.File      // what it prints; shown when it fails to start, removed when it stops
	exited chan struct{} // closed when the process has ended
}

// sibling is the path of a binary built next to this one: `make build`
// builds every command into bin/.
func sibling(name string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	binary := filepath.Join(filepath.Dir(self), name)
	if _, err := os.Stat(binary); err != nil {
		return "", fmt.Errorf("the %s binary: %w (`make bench` builds it)", name, err)
	}
	return binary, nil
}

// startService starts the updated binary next to this one on the database
// at dbURL, with env's settings added to this process's environment, and
// waits until it answers /readyz.
func startService(ctx context.Context, dbURL string, env ...string) (*service, error) {
	binary, err := sibling("updated")
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	log, err := os.CreateTemp("", "bench-updated-*.log")
	if err != nil {
		return nil, err
	}
	s := &service{addr: addr, cmd: exec.Command(binary), log: log, exited: make(chan struct{})}
	// RATE_LIMIT=0: the bench measures how many requests the service
	// takes, which a per-account limit would cap.
	s.cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "HTTP_ADDR="+addr, "API_KEYS="+benchKey+":bench",
		"CONNECTOR_ACCOUNTS=bench:"+benchConnector, "RATE_LIMIT=0")
	s.cmd.Env = append(s.cmd.Env, env...) // the last of a name counts
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		s.removeLog()
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	probe := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := probe.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.exited:
			defer s.removeLog()
			return nil, fmt.Errorf("the service exited at start (%s):\n%s", s.cmd.ProcessState, s.printed())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			printed := s.printed()
			s.stop()
			return nil, fmt.Errorf("the service was not ready after 30 s:\n%s", printed)
		}
	}
}

// stop asks the service to shut down (SIGINT, as Ctrl-C does) and waits
// for it; after 30 s it is killed.
func (s *service) stop() {
	defer s.removeLog()
	interrupt(s.cmd, s.exited)
}

// interrupt sends a process SIGINT, as Ctrl-C does, and waits until
// exited is closed; after 30 s it kills the process.
func interrupt(cmd *exec.Cmd, exited <-chan struct{}) {
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// printed returns what the service has printed so far.
func (s *service) printed() string {
	b, err := os.ReadFile(s.log.Name())
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func (s *service) removeLog() {
	s.log.Close()
	os.Remove(s.log.Name())
}

// freeAddr returns a loopback address whose port is free at the moment.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
