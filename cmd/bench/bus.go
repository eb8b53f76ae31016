package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// bus measures messages per second through the queue router, in process
// and on Kafka (kfake over TCP with the real watermill-kafka client), next
// to raw Watermill publish→consume on the same backend. The router's
// messages are resource reports of distinct devices
// (update-service-device-resource-manager): each is decoded, validated
// and appended as one event. b.opts.requests messages per scenario, sent
// by b.opts.clients publishers.
func (b *bench) bus(ctx context.Context) (routerInProcess, rawInProcess, routerKafka, rawKafka rate, err error) {
	pool, err := b.database(ctx, "bus", 0)
	if err != nil {
		return
	}
	defer pool.Close()
	if err = errors.Join(postgres.Migrate(ctx, pool), projections.Migrate(ctx, pool)); err != nil {
		return
	}
	store := postgres.NewEventStore(pool)
	defer store.Close()
	h := commands.New(store, time.Now)
	n := b.opts.requests
	if err = registerBenchDevices(ctx, h, n); err != nil {
		return
	}
	handlers := bus.Handlers{Available: pool.Ping, Commands: h, ReadModels: benchReadModels{projections.NewEngineQueries(pool), projections.NewCampaignRebuilder(pool, store, "")},
		Sender: noSender{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	if rawInProcess, err = rawPublishConsume(ctx, bus.NewInProcess(log), n, b.opts.clients); err != nil {
		return
	}
	if routerInProcess, err = throughRouter(ctx, bus.NewInProcess(log), handlers, log, "inproc", n, b.opts.clients); err != nil {
		return
	}
	cluster, err := kfake.NewCluster(kfake.SeedTopics(4, append(bus.Topics(), "bench-raw")...),
		kfake.ListenFn(func(network, address string) (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }))
	if err != nil {
		return
	}
	defer cluster.Close()
	kafkaBus := func() (*bus.PubSub, error) {
		return bus.NewKafka(cluster.ListenAddrs(), bus.KafkaConfig{Tune: func(c *sarama.Config) {
			c.Consumer.MaxWaitTime = 50 * time.Millisecond
		}}, log)
	}
	ps, err := kafkaBus()
	if err != nil {
		return
	}
	if rawKafka, err = rawPublishConsume(ctx, ps, n, b.opts.clients); err != nil {
		return
	}
	if ps, err = kafkaBus(); err != nil {
		return
	}
	routerKafka, err = throughRouter(ctx, ps, handlers, log, "kafka", n, b.opts.clients)
	return
}

// registerBenchDevices registers the devices the reports are about.
func registerBenchDevices(ctx context.Context, h *commands.Handlers, n int) error {
	regs := make([]commands.DeviceRegistration, n)
	for i := range regs {
		regs[i] = commands.DeviceRegistration{DeviceID: benchDevice(i), Attributes: domain.DeviceAttributes{DeviceClass: "sensor", FirmwareHash: "v1"}}
	}
	res, err := h.RegisterDevices(ctx, commands.RegisterDevices{Meta: commands.Meta{Account: "bench"}, Devices: regs})
	if err == nil && len(res.Failed) > 0 {
		err = fmt.Errorf("%d devices not registered", len(res.Failed))
	}
	return err
}

func benchDevice(i int) domain.DeviceID { return domain.DeviceID(fmt.Sprintf("dev-%06d", i)) }

// throughRouter sends n resource reports through the router and times
// them until the last one is handled.
func throughRouter(ctx context.Context, ps *bus.PubSub, h bus.Handlers, log *slog.Logger, run string, n, clients int) (rate, error) {
	defer ps.Close()
	reg := prometheus.NewRegistry()
	metrics, err := bus.NewMetrics(reg)
	if err != nil {
		return rate{}, err
	}
	router, err := bus.NewRouter(ps, h, log, metrics)
	if err != nil {
		return rate{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); _ = router.Run(ctx) }() // the figures are taken by then: how it stopped changes none
	defer func() { _ = router.Close(); <-done }()
	<-router.Running()
	pub := bus.NewPublisher(ps)
	start := time.Now()
	err = parallel(n, clients, func(i int) error {
		_, err := pub.Send(ctx, bus.DeviceResources{Account: bus.Account{AccountID: "bench"}, DeviceID: benchDevice(i),
			FirmwareChecksum: fmt.Sprintf("%s-%d", run, i)})
		return err
	})
	if err != nil {
		return rate{}, err
	}
	for handled(reg) < n {
		if ctx.Err() != nil {
			return rate{}, ctx.Err()
		}
		time.Sleep(5 * time.Millisecond)
	}
	return rate{n: n, elapsed: time.Since(start)}, nil
}

// handled counts the router's handler attempts so far.
func handled(reg *prometheus.Registry) int {
	families, _ := reg.Gather()
	total := 0
	for _, f := range families {
		if f.GetName() != "updateservice_bus_handler_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			total += int(m.GetHistogram().GetSampleCount())
		}
	}
	return total
}

// rawPublishConsume publishes n messages of the router's size with
// Watermill alone and consumes them with a subscriber that only acks.
func rawPublishConsume(ctx context.Context, ps *bus.PubSub, n, clients int) (rate, error) {
	defer ps.Close()
	sub, err := ps.Subscriber("bench-raw")
	if err != nil {
		return rate{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs, err := sub.Subscribe(ctx, "bench-raw")
	if err != nil {
		return rate{}, err
	}
	var consumed atomic.Int64
	go func() {
		for m := range msgs {
			consumed.Add(1)
			m.Ack()
		}
	}()
	payload := []byte(`{"account_id":"bench","device_id":"dev-000001","firmware_checksum":"raw-000001"}`)
	start := time.Now()
	err = parallel(n, clients, func(i int) error {
		m := message.NewMessage(watermill.NewUUID(), payload)
		m.Metadata.Set(bus.MetadataKey, string(benchDevice(i)))
		return ps.Publisher().Publish("bench-raw", m)
	})
	if err != nil {
		return rate{}, err
	}
	for consumed.Load() < int64(n) {
		if ctx.Err() != nil {
			return rate{}, ctx.Err()
		}
		time.Sleep(time.Millisecond)
	}
	return rate{n: n, elapsed: time.Since(start)}, nil
}

// parallel runs f for 0..n-1 on clients goroutines and returns the first error.
func parallel(n, clients int, f func(i int) error) error {
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range max(clients, 1) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := f(i); err != nil {
					mu.Lock()
					first = errors.Join(first, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// benchReadModels joins the read-model operations the router needs.
type benchReadModels struct {
	*projections.EngineQueries
	*projections.CampaignRebuilder
}

// noSender is a device connector that accepts every write.
type noSender struct{}

func (noSender) SendManifest(context.Context, domain.AccountID, domain.DeviceID, string, []byte) error {
	return nil
}
