// Package eventstoredb is the event store port on EventStoreDB (KurrentDB)
// through its official gRPC client, github.com/EventStore/EventStore-Client-Go/v4:
// the production store. Streams, event types and event ids are the port's
// own; the port's metadata (account, correlation and causation ids) is the
// events' JSON user metadata; data is JSON.
//
// What differs from the Postgres store, which the port allows:
//   - AppendMulti is not atomic: EventStoreDB has no multi-stream
//     transactions. Each stream's append is applied on its own, several at
//     once; an error names the streams that failed, and the others are
//     stored. Requests marked Last (the stream recording the command's
//     outcome) go only after all the others are stored. Deterministic
//     event ids make the retry of the whole request idempotent.
//   - SubscribeAll follows only the service's streams (a server-side
//     filter on their name prefixes), and ReadAll skips EventStoreDB's
//     system events; positions are EventStoreDB's (commit, prepare).
package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/updateservice/updateservice/domain"
)

// DefaultStreamPrefixes are the streams the service writes: the ones
// SubscribeAll follows unless configured otherwise.
var DefaultStreamPrefixes = []string{
	domain.CampaignStreamPrefix, domain.DeviceStreamPrefix, domain.ManifestStreamPrefix, domain.AccountStreamPrefix,
	domain.UpdateStreamPrefix, domain.FirmwareImageStreamPrefix, domain.UploadJobStreamPrefix,
	domain.WebhookStreamPrefix,
}

// ErrStreamDeleted says a stream was tombstoned: it can never be written
// or read again. Reads of it also match eventstore.ErrStreamNotFound.
var ErrStreamDeleted = errors.New("stream deleted")

// Config configures the store. Only URL is required.
type Config struct {
	// URL is the connection string (EVENTSTORE_URL), e.g.
	// esdb://localhost:2113?tls=false for an insecure single node.
	URL string
	// StreamPrefixes are the streams SubscribeAll follows (default
	// DefaultStreamPrefixes). Events of other streams never reach the
	// projections or the engine.
	StreamPrefixes []string
	// AllStreams makes SubscribeAll follow every stream except
	// EventStoreDB's own (event types starting with "$"), ignoring
	// StreamPrefixes. The contract suite needs it: its streams have names
	// of their own, which the production filter would hide.
	AllStreams bool
	// Concurrency is how many appends AppendMulti, and how many reads
	// ReadStreams, run at once (default 16): enough to hide round trips
	// without flooding the server.
	Concurrency int
	// SubscriptionBuffer is how many events a subscription reads ahead of
	// its consumer (default 4096).
	SubscriptionBuffer int
	// ResubscribeFor is how long a dropped subscription keeps trying to
	// subscribe again before Next reports the failure (default 30s).
	ResubscribeFor time.Duration
}

// EventStore is the EventStoreDB implementation of the event store port.
// It is safe for concurrent use.
type EventStore struct {
	cfg    Config
	conf   *esdb.Configuration
	mu     sync.Mutex
	client *esdb.Client
	closed bool
}

// New connects to EventStoreDB. The client connects lazily: call Ping to
// find out at once whether the server answers.
func New(cfg Config) (*EventStore, error) {
	conf, err := esdb.ParseConnectionString(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("eventstoredb: connection string: %w", err)
	}
	// The client's default logger prints every error it returns.
	conf.Logger = esdb.NoopLogging()
	client, err := esdb.NewClient(conf)
	if err != nil {
		return nil, fmt.Errorf("eventstoredb: %w", err)
	}
	if len(cfg.StreamPrefixes) == 0 {
		cfg.StreamPrefixes = DefaultStreamPrefixes
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16
	}
	if cfg.SubscriptionBuffer <= 0 {
		cfg.SubscriptionBuffer = 4096
	}
	if cfg.ResubscribeFor <= 0 {
		cfg.ResubscribeFor = 30 * time.Second
	}
	return &EventStore{client: client, cfg: cfg, conf: conf}, nil
}

// Close closes the connection; subscriptions still open drop.
func (s *EventStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.client.Close()
}

// conn returns the client to call.
func (s *EventStore) conn() *esdb.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

// revive replaces a client that closed itself: when the server is away
// for longer than the client's rediscovery attempts (about a second by
// default), the client closes for good and every later call fails with
// "connection closed". The call that failed still reports its error; the
// next one uses a new client. It does nothing for other errors.
func (s *EventStore) revive(old *esdb.Client, err error) {
	if c, ok := code(err); !ok || c != esdb.ErrorCodeConnectionClosed {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.client != old {
		return
	}
	client, nerr := esdb.NewClient(s.conf)
	if nerr != nil {
		return
	}
	_ = old.Close()
	s.client = client
}

// Ping reads the last event of $all: an error means the server cannot be
// reached or refuses to serve (use it as a readiness check).
func (s *EventStore) Ping(ctx context.Context) error {
	c := s.conn()
	rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
	if err != nil {
		s.revive(c, err)
		return fmt.Errorf("eventstoredb: ping: %w", s.wrap(ctx, err))
	}
	defer rs.Close()
	if _, err := rs.Recv(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("eventstoredb: ping: %w", s.wrap(ctx, err))
	}
	return nil
}

// code returns the client's error code of err. The client's FromError
// reports ok == false whenever there is an error, so read it with
// errors.As instead.
func code(err error) (esdb.ErrorCode, bool) {
	var e *esdb.Error
	if errors.As(err, &e) {
		return e.Code(), true
	}
	return 0, false
}

// wrap makes errors caused by the caller's context match its error
// (the client reports them as gRPC statuses) and marks deleted streams.
func (s *EventStore) wrap(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w (%v)", ctxErr, err)
	}
	if c, ok := code(err); ok && c == esdb.ErrorCodeStreamDeleted {
		return fmt.Errorf("%w: %v", ErrStreamDeleted, err)
	}
	return err
}

// isSystem tells EventStoreDB's own events (stream metadata, tombstones,
// statistics, links) from the service's.
func isSystem(e *esdb.RecordedEvent) bool {
	return len(e.EventType) > 0 && e.EventType[0] == '$' || len(e.StreamID) > 0 && e.StreamID[0] == '$'
}
