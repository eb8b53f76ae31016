package bus

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/google/uuid"
)

// PubSub is one backend: a publisher, and subscribers by consumer group.
type PubSub struct {
	publisher  message.Publisher
	subscriber func(group string) (message.Subscriber, error)
	inProcess  bool

	ready     chan struct{} // closed once a router has subscribed
	readyOnce sync.Once
	waiters   sync.Map // message id → chan tracker, in process only

	mu      sync.Mutex
	closers []func() error
}

// Publisher returns the backend's raw Watermill publisher.
func (p *PubSub) Publisher() message.Publisher { return p.publisher }

// Subscriber returns a raw Watermill subscriber in consumer group group
// (one shared subscriber in process, where groups do not exist).
func (p *PubSub) Subscriber(group string) (message.Subscriber, error) { return p.subscriberFor(group) }

// InProcess reports whether the backend is the in-process Go channel.
func (p *PubSub) InProcess() bool { return p.inProcess }

func (p *PubSub) subscriberFor(group string) (message.Subscriber, error) {
	s, err := p.subscriber(group)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.closers = append(p.closers, s.Close)
	p.mu.Unlock()
	return s, nil
}

// Close closes the publisher and every subscriber made.
func (p *PubSub) Close() error {
	p.mu.Lock()
	closers := append([]func() error{p.publisher.Close}, p.closers...)
	p.closers = nil
	p.mu.Unlock()
	var errs []error
	for _, c := range closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

func (p *PubSub) markReady() { p.readyOnce.Do(func() { close(p.ready) }) }

// done hands a message's outcome to the in-process sender waiting for it.
func (p *PubSub) done(id string, t tracker) {
	if w, ok := p.waiters.Load(id); ok {
		select {
		case w.(chan tracker) <- t:
		default:
		}
	}
}

// NewInProcess returns the in-process backend: a Watermill GoChannel whose
// Publish returns only once the handler has acked the message, so a
// sender never runs ahead of work that could still be lost (the campaign
// engine saves its checkpoint after its sends returned). Messages are not
// kept: a message published while no router runs would be dropped, so
// Publisher.Send waits for the router first.
func NewInProcess(log *slog.Logger) *PubSub {
	ch := gochannel.NewGoChannel(gochannel.Config{BlockPublishUntilSubscriberAck: true}, watermill.NewSlogLogger(logger(log)))
	return &PubSub{
		publisher:  ch,
		subscriber: func(string) (message.Subscriber, error) { return ch, nil },
		inProcess:  true,
		ready:      make(chan struct{}),
	}
}

// KafkaConfig tunes the Kafka backend. Zero fields take the defaults.
type KafkaConfig struct {
	// ClientID names the service to the brokers (default "update-service").
	ClientID string
	// Version is the Kafka protocol version spoken (default 2.8.0, which
	// every supported broker and kfake understand).
	Version string
	// Tune, when set, changes the Sarama configuration of every producer
	// and consumer after the defaults (tests, benchmarks).
	Tune func(*sarama.Config)
}

// NewKafka returns the Kafka backend on brokers (KAFKA_HOST):
// watermill-kafka with the producer waiting for every in-sync replica and
// idempotent, messages keyed by MetadataKey, and consumer groups that
// start from the oldest offset.
func NewKafka(brokers []string, cfg KafkaConfig, log *slog.Logger) (*PubSub, error) {
	if cfg.ClientID == "" {
		cfg.ClientID = "update-service"
	}
	if cfg.Version == "" {
		cfg.Version = "2.8.0"
	}
	version, err := sarama.ParseKafkaVersion(cfg.Version)
	if err != nil {
		return nil, fmt.Errorf("bus.NewKafka: %w", err)
	}
	wlog := watermill.NewSlogLogger(logger(log))
	producer := kafka.DefaultSaramaSyncPublisherConfig()
	producer.Version, producer.ClientID = version, cfg.ClientID
	producer.Producer.RequiredAcks = sarama.WaitForAll
	producer.Producer.Idempotent = true
	producer.Net.MaxOpenRequests = 1 // what the idempotent producer requires
	if cfg.Tune != nil {
		cfg.Tune(producer)
	}
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: brokers, Marshaler: keyedMarshaler{}, OverwriteSaramaConfig: producer}, wlog)
	if err != nil {
		return nil, fmt.Errorf("bus.NewKafka: %w", err)
	}
	subscriber := func(group string) (message.Subscriber, error) {
		consumer := kafka.DefaultSaramaSubscriberConfig()
		consumer.Version, consumer.ClientID = version, cfg.ClientID
		consumer.Consumer.Offsets.Initial = sarama.OffsetOldest
		if cfg.Tune != nil {
			cfg.Tune(consumer)
		}
		return kafka.NewSubscriber(kafka.SubscriberConfig{Brokers: brokers, Unmarshaler: keyedMarshaler{},
			OverwriteSaramaConfig: consumer, ConsumerGroup: group}, wlog)
	}
	return &PubSub{publisher: pub, subscriber: subscriber, ready: make(chan struct{})}, nil
}

// keyedMarshaler is Watermill's Kafka marshaler with the partition key
// taken from the message's MetadataKey. A message from another producer
// (kcat) that has no Watermill id gets one derived from its topic,
// partition and offset, so that its redelivery is recognised as the same
// command.
type keyedMarshaler struct{ kafka.DefaultMarshaler }

// offsetNamespace seeds the ids of messages that came without one.
var offsetNamespace = uuid.MustParse("4b0c2f3e-8d6a-4e71-9c5b-1a7e3d9f6b20")

func (m keyedMarshaler) Marshal(topic string, msg *message.Message) (*sarama.ProducerMessage, error) {
	pm, err := m.DefaultMarshaler.Marshal(topic, msg)
	if err != nil {
		return nil, err
	}
	if key := msg.Metadata.Get(MetadataKey); key != "" {
		pm.Key = sarama.StringEncoder(key)
	}
	return pm, nil
}

func (m keyedMarshaler) Unmarshal(km *sarama.ConsumerMessage) (*message.Message, error) {
	msg, err := m.DefaultMarshaler.Unmarshal(km)
	if err != nil {
		return nil, err
	}
	if msg.UUID == "" {
		msg.UUID = uuid.NewSHA1(offsetNamespace, fmt.Appendf(nil, "%s/%d/%d", km.Topic, km.Partition, km.Offset)).String()
	}
	if msg.Metadata.Get(MetadataKey) == "" && len(km.Key) > 0 {
		msg.Metadata.Set(MetadataKey, string(km.Key))
	}
	return msg, nil
}
