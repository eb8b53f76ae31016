package bus_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// wait bounds every wait of the tests for an effect: a lost message fails
// the test instead of hanging it.
const wait = 60 * time.Second

// backend names a bus backend the tests run on.
type backend string

const (
	inProcess backend = "in-process"
	onKafka   backend = "kafka"
)

var backends = []backend{inProcess, onKafka}

// clock is the handlers' clock, moved by the tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// readModels joins the read-model operations the router needs.
type readModels struct {
	*projections.EngineQueries
	*projections.CampaignRebuilder
}

// world is a real event store, command handlers, projection runner and
// router on a fresh database, on one backend.
type world struct {
	t       *testing.T
	ctx     context.Context
	backend backend
	store   *postgres.EventStore
	h       *commands.Handlers
	runner  *projections.Runner
	queries *projections.Queries
	pool    *pgxpool.Pool
	clock   *clock
	sender  *fakeSender
	ps      *bus.PubSub
	pub     *bus.Publisher
	reg     *prometheus.Registry
	brokers []string
	last    eventstore.Position // the last position the given history reached
	poison  *collector
	// away, when set, is why the world's dependencies are away: the
	// router's availability check answers it.
	away atomic.Pointer[error]
}

// available is the router's availability check: nil unless a test sent
// the dependencies away.
func (w *world) available(context.Context) error {
	if err := w.away.Load(); err != nil {
		return *err
	}
	return nil
}

func newWorld(t *testing.T, b backend, opts ...bus.Option) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pool := pgtest.NewPool(t)
	if err := errors.Join(postgres.Migrate(ctx, pool), projections.Migrate(ctx, pool)); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewEventStore(pool)
	t.Cleanup(store.Close)
	w := &world{t: t, ctx: ctx, backend: b, store: store, clock: &clock{t: time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)},
		queries: projections.NewQueries(pool), pool: pool, sender: &fakeSender{}, reg: prometheus.NewRegistry()}
	w.h = commands.New(store, w.clock.Now)
	w.runner = projections.NewRunner(pool, store, projections.Config{})
	go func() { _ = w.runner.Run(ctx) }()

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() && os.Getenv("BUS_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	switch b {
	case inProcess:
		w.ps = bus.NewInProcess(log)
	case onKafka:
		w.brokers = newKafka(t)
		ps, err := bus.NewKafka(w.brokers, bus.KafkaConfig{Tune: testTuning}, log)
		if err != nil {
			t.Fatal(err)
		}
		w.ps = ps
	}
	t.Cleanup(func() { _ = w.ps.Close() })
	metrics, err := bus.NewMetrics(w.reg)
	if err != nil {
		t.Fatal(err)
	}
	router, err := bus.NewRouter(w.ps, bus.Handlers{Commands: w.h,
		ReadModels: readModels{projections.NewEngineQueries(pool), projections.NewCampaignRebuilder(pool, store, "")},
		Sender:     w.sender, Now: w.clock.Now, Available: w.available}, log, metrics, opts...)
	if err != nil {
		t.Fatal(err)
	}
	w.poison = collect(t, ctx, w.ps, bus.QueuePoison)
	done := make(chan error, 1)
	go func() { done <- router.Run(ctx) }()
	t.Cleanup(func() {
		_ = router.Close()
		if err := <-done; err != nil {
			t.Errorf("router: %v", err)
		}
	})
	select {
	case <-router.Running():
	case <-time.After(wait):
		t.Fatal("the router did not start")
	}
	w.pub = bus.NewPublisher(w.ps)
	return w
}

// testTuning makes Kafka clients quick to notice new messages and groups.
func testTuning(c *sarama.Config) {
	c.Consumer.MaxWaitTime = 50 * time.Millisecond
	c.Consumer.Offsets.AutoCommit.Interval = 100 * time.Millisecond
	c.Metadata.Retry.Backoff = 100 * time.Millisecond
	c.Consumer.Group.Rebalance.Timeout = 5 * time.Second
	c.Producer.MaxMessageBytes = 4 << 20 // lets the hostile tests' oversized payloads reach the handlers
}

// newKafka starts an in-process Kafka cluster (kfake) with every topic,
// serving the real protocol on 127.0.0.1, and returns its address.
func newKafka(t testing.TB) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, bus.Topics()...),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": fmt.Sprint(8 << 20)}),
		kfake.ListenFn(func(network, address string) (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// given runs a command of the history before the message under test and
// remembers how far the history went.
func (w *world) given(res commands.Result, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("given: %v", err)
	}
	if w.last.Less(res.Position) {
		w.last = res.Position
	}
}

// settle waits until the read models reflect the given history.
func (w *world) settle() {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, wait)
	defer cancel()
	if err := w.runner.WaitFor(ctx, w.last); err != nil {
		w.t.Fatal(err)
	}
}

// eventsAfter returns the events recorded after pos, in global order.
func (w *world) eventsAfter(pos eventstore.Position) []eventstore.RecordedEvent {
	w.t.Helper()
	events, err := w.store.ReadAll(w.ctx, pos, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	return events
}

// publish puts a payload on a queue the way an outside producer does: on
// Kafka a plain record with the key and nothing else (what kcat sends); in
// process through the publisher. It returns the in-process outcome.
func (w *world) publish(queue, key string, payload []byte, opts ...bus.SendOption) error {
	w.t.Helper()
	if w.backend == onKafka && len(opts) == 0 {
		cfg := sarama.NewConfig()
		cfg.Producer.Return.Successes = true
		cfg.Producer.MaxMessageBytes = 4 << 20
		p, err := sarama.NewSyncProducer(w.brokers, cfg)
		if err != nil {
			w.t.Fatal(err)
		}
		defer p.Close()
		_, _, err = p.SendMessage(&sarama.ProducerMessage{Topic: queue, Key: sarama.StringEncoder(key), Value: sarama.ByteEncoder(payload)})
		if err != nil {
			w.t.Fatalf("producing on %s: %v", queue, err)
		}
		return nil
	}
	_, err := w.pub.SendRaw(w.ctx, queue, key, payload, opts...)
	return err
}

// eventually polls check until it passes or wait runs out.
func (w *world) eventually(what string, check func() error) {
	w.t.Helper()
	deadline := time.Now().Add(wait)
	var err error
	for time.Now().Before(deadline) {
		if err = check(); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.t.Fatalf("%s: still %v after %s", what, err, wait)
}

// fakeSender is the device connector: it records the manifest writes.
type fakeSender struct {
	mu      sync.Mutex
	sent    []string        // async ids
	panicOn domain.DeviceID // a device whose write panics, playing a bug
}

func (f *fakeSender) SendManifest(ctx context.Context, _ domain.AccountID, device domain.DeviceID, asyncID string, manifest []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if device == f.panicOn {
		panic("connector client bug")
	}
	f.sent = append(f.sent, asyncID)
	return nil
}

func (f *fakeSender) writes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

// collector keeps the messages of a topic, acking each.
type collector struct {
	mu   sync.Mutex
	msgs []*message.Message
}

func collect(t *testing.T, ctx context.Context, ps *bus.PubSub, topic string) *collector {
	t.Helper()
	sub, err := ps.Subscriber("test-" + topic)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := sub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	go func() {
		for msg := range ch {
			c.mu.Lock()
			c.msgs = append(c.msgs, msg)
			c.mu.Unlock()
			msg.Ack()
		}
	}()
	return c
}

func (c *collector) all() []*message.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*message.Message(nil), c.msgs...)
}

// collectMaps reads rows as maps of column to value.
func collectMaps(rows pgx.Rows) ([]map[string]any, error) { return pgx.CollectRows(rows, pgx.RowToMap) }

// lastRecorded is the position of the last event readable now.
func (w *world) lastRecorded() eventstore.Position {
	events := w.eventsAfter(eventstore.Position{})
	if len(events) == 0 {
		return eventstore.Position{}
	}
	return events[len(events)-1].Position
}
