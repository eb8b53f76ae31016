// Command updated is the Update Service: it migrates the database, keeps
// the read models up to date and serves the HTTP API.
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
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/projections"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "updated:", err)
		os.Exit(1)
	}
}

// run starts the service and blocks until ctx ends or a part fails.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg.print(stderr)

	pool, err := pgxpool.New(ctx, cfg.databaseURL())
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer pool.Close()
	if err := pool.Ping(ctx); err != nil {
		return fmt.Errorf("database %s: %w", maskURL(cfg.databaseURL()), err)
	}
	if cfg.DBMigrate {
		if err := postgres.Migrate(ctx, pool); err != nil {
			return err
		}
		if err := projections.Migrate(ctx, pool); err != nil {
			return err
		}
	}
	store := postgres.NewEventStore(pool)
	defer store.Close()
	projector := projections.NewRunner(pool, store, projections.Config{BatchSize: cfg.ProjectionBatchSize, Logger: log})

	listener, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	server := &http.Server{
		Handler: httpapi.NewHandler(httpapi.Deps{
			Log: log,
			Ready: map[string]httpapi.ReadinessCheck{
				"database":    func(ctx context.Context) error { return pool.Ping(ctx) },
				"projections": func(context.Context) error { return projector.Err() },
			},
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Fprintf(stdout, "Update Service listening on http://%s\n  try: curl -s http://%s/readyz\n", listener.Addr(), localAddr(listener.Addr()))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- fmt.Errorf("projections: %w", projector.Run(ctx)) }()
	go func() { errs <- server.Serve(listener) }()
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	cancel()
	shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if serr := server.Shutdown(shutdown); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// localAddr turns a listening address into one a local curl can reach.
func localAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return a.String()
}
