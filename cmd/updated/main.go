// Command updated is the Update Service: it migrates the database, keeps
// the read models up to date, drives the campaigns and serves the HTTP API.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/adapters/connector"
	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/internal/wiring"
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

// devAccount is the account of the development key made when API_KEYS is unset.
const devAccount domain.AccountID = "dev"

// run starts the service and blocks until ctx ends or a part fails; with
// arguments `quarantine ...` it runs that operator's command instead.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if args[0] != "quarantine" {
			return fmt.Errorf("unknown command %q\n%s", args[0], quarantineUsage)
		}
		return quarantineCommand(ctx, args[1:], getenv, stdout)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	dev := cfg.addDevCredentials()
	cfg.print(stderr)

	listener, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	defer listener.Close()
	front := startFront(listener)
	defer front.handOver()
	pool, err := waitFor(ctx, log, front, "database", func(ctx context.Context) (*pgxpool.Pool, error) { return openDatabase(ctx, cfg) })
	if err != nil {
		return stoppedWaiting(ctx, err)
	}
	defer pool.Close()
	blobs, err := waitFor(ctx, log, front, "blob store", cfg.Blobs.open)
	if err != nil {
		return stoppedWaiting(ctx, err)
	}
	store, closeStore, storeReady, err := openEventStore(cfg, pool)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := projections.ClaimEventSource(ctx, pool, cfg.eventStoreKind()); err != nil {
		return err
	}
	cmds := commands.New(store, time.Now)
	projector := projections.NewRunner(pool, store, projections.Config{BatchSize: cfg.ProjectionBatchSize, Logger: log})
	leader := &leadership{conn: pool.Config().ConnConfig, log: log}
	readModels := readModelWait{leader, projector, pool}
	queries := projections.NewQueries(pool)
	sender := connector.NewClient(cfg.ConnectorURL, cfg.connectorClientAccounts(), nil)
	intake := commands.NewIntake(time.Now)
	var stopping atomic.Bool // set once the service begins to stop
	ps, err := waitFor(ctx, log, front, "queues", func(context.Context) (*bus.PubSub, error) { return openBus(cfg, log) })
	if err != nil {
		return stoppedWaiting(ctx, err)
	}
	defer ps.Close()
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "update_service_projection_events_quarantined_total",
		Help: "Events the projection runner could not apply and kept in quarantined_events."},
		func() float64 { return float64(projector.Quarantined()) }))
	registerLeaderGauge(metrics, leader)
	busMetrics, err := bus.NewMetrics(metrics)
	if err != nil {
		return err
	}
	newQueues := func() (*bus.Router, error) {
		return bus.NewRouter(ps, bus.Handlers{Commands: cmds, Sender: sender, Intake: intake,
			ReadModels: busReadModels{projections.NewEngineQueries(pool), projections.NewCampaignRebuilder(pool, store, projections.DefaultName)},
			Available:  func(ctx context.Context) error { return errors.Join(pool.Ping(ctx), storeReady(ctx)) },
		}, log, busMetrics)
	}
	queues, err := newQueues()
	if err != nil {
		return err
	}
	publisher := bus.NewPublisher(ps)
	queued := queuedCommands{cmds, publisher}
	registry := registryOf(cfg.DeviceRegistry)
	engineCfg := engine.Config{
		BatchSize: cfg.SchedulerBatchSize, BatchDelay: cfg.SchedulerDelay, PollInterval: cfg.SchedulerPollingTimeout,
		DeviceTimeout: cfg.DeviceUpdateTimeout, MaxInFlight: cfg.SchedulerMaxInFlight, Director: directorOf(cfg.Director), Logger: log,
	}
	if registry != nil {
		engineCfg.Registry = registry
	}
	campaigns := engine.New(engineCfg, queued, wiring.NewEngineReads(pool), queuedManifests{publisher}, store, projector.WaitFor, time.Now,
		intake.Clock)
	metrics.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "update_service_engine_campaigns_quarantined_total",
		Help: "Campaigns the campaign engine could not drive and kept in quarantined_campaigns."},
		func() float64 { return float64(campaigns.Quarantined()) }))

	deps := wiring.HTTPPorts(cmds, queries, projections.NewHistory(pool, store))
	deps.Reports = bus.NewReportPublisher(publisher, intake) // the webhook's reports go through the queues
	deps.TrustedGateway = cfg.TrustedGateway
	deps.Blobs, deps.MaxImageBytes = blobs, cfg.Blobs.MaxImageBytes
	if registry != nil {
		deps.Registry = registry
	}
	deps.Previews = wiring.Previews{Commands: cmds, Catalog: queries, BatchSize: cfg.SchedulerBatchSize,
		BatchDelay: cfg.SchedulerDelay, FromRegistry: registry != nil}
	deps.WaitFor, deps.APIKeys, deps.WebhookSecrets, deps.Log = readModels.WaitFor, cfg.APIKeys, cfg.webhookSecrets(), log
	deps.IdempotencyKeys = postgres.NewIdempotencyKeys(pool, time.Now)
	deps.RateLimit = httpapi.RateLimit{Requests: cfg.RateLimit}
	deps.Ready = map[string]httpapi.ReadinessCheck{
		"database":    func(ctx context.Context) error { return pool.Ping(ctx) },
		"event store": storeReady,
		"projections": readModels.projectionsReady,
		"shutdown": func(context.Context) error {
			if stopping.Load() {
				return errors.New("the service is stopping")
			}
			return nil
		},
	}
	// The blob store serves the firmware images only: without it the rest
	// of the API serves on, so it degrades readiness rather than fail it.
	deps.Degraded = map[string]httpapi.ReadinessCheck{"quarantine": queries.QuarantineCheck, "blob store": blobs.Ready}
	// Progress streams end as the server begins to stop (RegisterOnShutdown
	// below): its shutdown waits for requests in flight, and a stream's
	// client would watch on until the shutdown's timeout.
	streamsStop := make(chan struct{})
	deps.Progress.Stop = streamsStop
	api := httpapi.NewHandler(deps)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(metrics, promhttp.HandlerOpts{}))
	mux.Handle("/", api)
	// Bounded reads and writes: a client that sends or reads slowly cannot
	// hold a connection for good. Bulk bodies of up to 64 MiB are read
	// within ReadTimeout on any link a fleet's connector uses.
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	server.RegisterOnShutdown(func() { close(streamsStop) })
	// The greeting comes after the hand-over: a caller acting on it reaches
	// the service, never the starting front's 503s or its closing
	// connections.
	front.handOver()
	greet(stdout, listener.Addr(), dev)
	// The webhook outbox follows the events with its own checkpoint, so
	// it runs once, on the leader, beside the projections it reads; the
	// deliverer claims with SKIP LOCKED, so it runs on every replica, as
	// the queue consumers (the workers) do.
	outbox := projections.NewWebhookOutbox(pool, store)
	outbox.Logger = log
	deliverer := cfg.Webhooks.deliverer(projections.NewWebhookOutboxStore(pool), log)
	leading := func(ctx context.Context) error {
		return leader.Run(ctx, restarting(log, "projections", projector.Run), restarting(log, "campaign engine", campaigns.Run),
			restarting(log, "webhook outbox", outbox.Run))
	}
	return serve(ctx, server, listener, &stopping, leading, restartableQueues(log, queues, newQueues), deliverer.Run)
}

// restarting runs a background part again after it fails, waiting from
// one second, doubling up to thirty, so that a part's failure (a database
// that went away, an event it cannot apply) never stops the API; the part
// reports itself in /readyz meanwhile. It returns when ctx ends.
func restarting(log *slog.Logger, name string, part func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		wait := time.Second
		for {
			began := time.Now()
			err := part(ctx)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if time.Since(began) > time.Minute {
				wait = time.Second // it ran a good while: a new fault
			}
			log.Error("background part failed; restarting", "part", name, "error", err, "in", wait)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			wait = min(2*wait, 30*time.Second)
		}
	}
}

// openEventStore opens EventStoreDB when EVENTSTORE_URL is set, else the
// Postgres event store on pool. Read models and checkpoints stay in Postgres.
func openEventStore(cfg Config, pool *pgxpool.Pool) (eventstore.Store, func(), httpapi.ReadinessCheck, error) {
	return wiring.OpenEventStore(cfg.EventStoreURL, pool)
}

// openDatabase connects to Postgres and applies the migrations when asked.
func openDatabase(ctx context.Context, cfg Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, cfg.databaseURL())
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database %s: %w", maskURL(cfg.databaseURL()), err)
	}
	if cfg.DBMigrate {
		if err := errors.Join(postgres.Migrate(ctx, pool), projections.Migrate(ctx, pool)); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return pool, nil
}

// serve runs the HTTP server and the background parts until ctx ends or one
// of them fails. It then stops in the order that loses nothing: stopping
// turns true (so /readyz answers 503 and balancers stop sending), the
// server stops taking requests and answers those in flight, and only then
// do the background parts stop, as requests in flight may need them (the
// webhook's reports go through the queues).
func serve(ctx context.Context, server *http.Server, listener net.Listener, stopping *atomic.Bool, parts ...func(context.Context) error) error {
	partsCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, len(parts)+1)
	for _, part := range parts {
		go func() { errs <- part(partsCtx) }()
	}
	go func() { errs <- server.Serve(listener) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	stopping.Store(true)
	shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if serr := server.Shutdown(shutdown); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	cancel()
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// greet says where the service listens and how to call it.
func greet(w io.Writer, addr net.Addr, dev devCredentials) {
	base := "http://" + localAddr(addr)
	fmt.Fprintf(w, "Update Service listening on %s\n", base)
	dev.print(w, base)
}

// newDevKey makes a random development API key.
func newDevKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "dev_" + hex.EncodeToString(b[:])
}

// localAddr turns a listening address into one a local curl can reach.
func localAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if ok && tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return a.String()
}
