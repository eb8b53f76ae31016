package main

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

// server is a local PostgreSQL cluster started by devpg.
type server struct {
	bin     string // folder of initdb and pg_ctl
	dataDir string
	root    string // folder holding data, socket and log
	port    int
	cred    *syscall.Credential // set when running as root
	stderr  io.Writer
}

func (s *server) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// startServer initialises the cluster in dir (when it has no data yet) and
// starts it on a free port.
func startServer(ctx context.Context, dir string, fast bool, stderr io.Writer) (*server, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	s := &server{bin: bin, stderr: stderr}
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
		if fast {
			args = append(args, "--no-sync")
		}
		if err := s.pg(ctx, "initdb", args...); err != nil {
			return nil, fmt.Errorf("initdb: %w (log above)", err)
		}
	}
	if s.port, err = freePort(); err != nil {
		return nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=300", s.port, s.root)
	if fast {
		opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	logFile := filepath.Join(s.root, "postgres.log")
	if err := s.pg(ctx, "pg_ctl", "-D", s.dataDir, "-o", opts, "-l", logFile, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(logFile)
		return nil, fmt.Errorf("pg_ctl start: %w\n%s", err, log)
	}
	return s, nil
}

// stop shuts the server down and, when remove is set, deletes its files.
func (s *server) stop(remove bool) error {
	mode := "fast"
	if remove {
		mode = "immediate" // the data is thrown away anyway
	}
	err := s.pg(context.Background(), "pg_ctl", "-D", s.dataDir, "-m", mode, "-w", "stop")
	if remove {
		err = errors.Join(err, os.RemoveAll(s.root))
	}
	return err
}

// prepareRoot creates the cluster folder and hands it to the server's user.
func (s *server) prepareRoot() error {
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
func (s *server) pg(ctx context.Context, name string, args ...string) error {
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
		s.stderr.Write(out.Bytes()) // only a failure's output is worth reading
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
