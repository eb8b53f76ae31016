// Package pgcluster starts and stops a local PostgreSQL cluster with the
// server binaries on the machine: devpg's throwaway server, and the tests
// that stop and start Postgres under a running service. Postgres refuses
// to run as root, so as root the server runs as the `postgres` user
// (created when missing).
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// Options configure a cluster.
type Options struct {
	// Dir holds the cluster's data, socket and log; empty: a new temporary
	// directory. Data already there is used as it is.
	Dir string
	// Fast runs without fsync: for tests, where the data is thrown away.
	Fast bool
	// Port is the server's TCP port on 127.0.0.1; zero: a free one.
	Port int
	// Stderr receives the output of a failing initdb or pg_ctl.
	Stderr io.Writer
}

// Cluster is a local PostgreSQL cluster and its server.
type Cluster struct {
	bin     string // folder of initdb and pg_ctl
	dataDir string
	root    string // folder holding data, socket and log
	port    int
	fast    bool
	cred    *syscall.Credential // set when running as root
	stderr  io.Writer
}

// URL is the postgres database's URL, as the superuser postgres.
func (s *Cluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// Port is the server's TCP port.
func (s *Cluster) Port() int { return s.port }

// DataDir is the cluster's data directory.
func (s *Cluster) DataDir() string { return s.dataDir }

// Start initialises the cluster (when its directory has no data yet) and
// starts its server.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	s := &Cluster{bin: bin, stderr: o.Stderr, fast: o.Fast, port: o.Port}
	dir := o.Dir
	if os.Geteuid() == 0 {
		if s.cred, err = unprivilegedUser(); err != nil {
			return nil, err
		}
	}
	if dir == "" {
		if s.root, err = os.MkdirTemp("", "devpg-"); err != nil {
			return nil, err
		}
	} else if s.root, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	if err := s.prepareRoot(); err != nil {
		return nil, err
	}
	s.dataDir = filepath.Join(s.root, "data")
	if _, err := os.Stat(filepath.Join(s.dataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		args := []string{"-D", s.dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions"}
		if o.Fast {
			args = append(args, "--no-sync")
		}
		if err := s.pg(ctx, "initdb", args...); err != nil {
			return nil, fmt.Errorf("initdb: %w (log above)", err)
		}
	}
	if s.port == 0 {
		if s.port, err = freePort(); err != nil {
			return nil, err
		}
	}
	if err := s.StartServer(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// StartServer starts the cluster's server (again) on its port.
func (s *Cluster) StartServer(ctx context.Context) error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=300", s.port, s.root)
	if s.fast {
		opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	logFile := filepath.Join(s.root, "postgres.log")
	if err := s.pg(ctx, "pg_ctl", "-D", s.dataDir, "-o", opts, "-l", logFile, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(logFile)
		return fmt.Errorf("pg_ctl start: %w\n%s", err, log)
	}
	return nil
}

// StopServer stops the server, keeping the data: "fast" ends the
// sessions and checkpoints, "immediate" aborts as a crash would.
func (s *Cluster) StopServer(mode string) error {
	return s.pg(context.Background(), "pg_ctl", "-D", s.dataDir, "-m", mode, "-w", "stop")
}

// Stop shuts the server down and, when remove is set, deletes its files.
func (s *Cluster) Stop(remove bool) error {
	mode := "fast"
	if remove {
		mode = "immediate" // the data is thrown away anyway
	}
	err := s.StopServer(mode)
	if remove {
		err = errors.Join(err, os.RemoveAll(s.root))
	}
	return err
}

// prepareRoot creates the cluster folder and hands it to the server's user.
func (s *Cluster) prepareRoot() error {
	if err := os.MkdirAll(filepath.Dir(s.root), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(s.root, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if s.cred == nil {
		return nil
	}
	if err := os.Chown(s.root, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
		return err
	}
	// The server's user must be able to reach the folder through its parents.
	for dir := filepath.Dir(s.root); dir != "/"; dir = filepath.Dir(dir) {
		info, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%s is not searchable by others, so the postgres user cannot reach %s: choose another -dir", dir, s.root)
		}
	}
	return nil
}

// pg runs a PostgreSQL program as the server's user.
func (s *Cluster) pg(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = s.root
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
		cmd.Env = append(cmd.Env, "HOME="+s.root)
	}
	if err := cmd.Run(); err != nil {
		_, _ = s.stderr.Write(out.Bytes()) // only a failure's output is worth reading
		return err
	}
	return nil
}

// findBinaries finds the folder of initdb and pg_ctl: on PATH, or in
// Debian's versioned folders.
func findBinaries() (string, error) {
	if path, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
		return filepath.Dir(path), nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return "", errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found: install them (Debian: apt-get install postgresql) or set DATABASE_URL")
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

// unprivilegedUser returns the credentials of the postgres user, creating
// the user when it is missing.
func unprivilegedUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		if out, err := exec.Command("useradd", "-M", "-r", "-s", "/usr/sbin/nologin", "postgres").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("running as root and no postgres user: useradd: %v: %s", err, out)
		}
		if u, err = user.Lookup("postgres"); err != nil {
			return nil, err
		}
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePort asks the kernel for a free TCP port on the loopback interface.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
