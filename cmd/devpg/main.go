// Command devpg runs a command next to a throwaway PostgreSQL server: it
// starts a local cluster, exports DATABASE_URL for the command, waits for it
// and stops the server afterwards. `make test` and `make run` use it when no
// database URL is given, so a fresh machine needs nothing set up by hand.
//
//	devpg [-dir DIR] [-keep] [-fast] -- command [args...]
//
// Without -dir the cluster lives in a new temporary directory that is
// removed at the end. With -dir and -keep the data stays between runs.
// Postgres refuses to run as root, so as root the server runs as the
// `postgres` user (created when missing).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/updateservice/updateservice/internal/pgcluster"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "devpg:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// run starts the server, runs the command and returns the command's exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("devpg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "cluster directory (default: a new temporary directory, removed at the end)")
	keep := fs.Bool("keep", false, "keep the cluster's data after the command ends (needs -dir)")
	fast := fs.Bool("fast", false, "run without fsync: for tests, where the data is thrown away")
	if err := fs.Parse(args); err != nil {
		return 2, err
	}
	command := fs.Args()
	if len(command) == 0 {
		return 2, errors.New("no command given: devpg [flags] -- command [args...]")
	}
	if url := firstNonEmpty(getenv("DATABASE_URL"), getenv("DB_URL")); url != "" {
		fmt.Fprintln(stderr, "devpg: DATABASE_URL is set; using that server")
		return runCommand(ctx, command, nil, stdout, stderr)
	}
	if *keep && *dir == "" {
		return 2, errors.New("-keep needs -dir")
	}
	srv, err := pgcluster.Start(ctx, pgcluster.Options{Dir: *dir, Fast: *fast, Stderr: stderr})
	if err != nil {
		return 1, err
	}
	defer func() {
		if err := srv.Stop(!*keep); err != nil {
			fmt.Fprintln(stderr, "devpg: stopping the server:", err)
		}
	}()
	fmt.Fprintf(stderr, "devpg: PostgreSQL listening on 127.0.0.1:%d (data in %s)\n", srv.Port(), srv.DataDir())
	return runCommand(ctx, command, []string{"DATABASE_URL=" + srv.URL()}, stdout, stderr)
}

// runCommand runs the command with extra environment and returns its exit
// code. Interrupts reach the command through its process group, so it can
// shut down before the server stops.
func runCommand(ctx context.Context, command, env []string, stdout, stderr io.Writer) (int, error) {
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	cmd.Env = append(os.Environ(), env...)
	// Its own process group, so an interrupt reaches the command and its
	// children (`go run` does not pass signals on) and nothing else.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return 1, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return exitCode(err)
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case err := <-done:
			return exitCode(err)
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			return exitCode(<-done)
		}
	}
}

func exitCode(err error) (int, error) {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 1, err
	}
	return 0, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
