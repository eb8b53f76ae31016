package projections

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// EventSource is the part of the event store the runner reads: the global
// order from a position on.
type EventSource interface {
	SubscribeAll(ctx context.Context, after eventstore.Position) (eventstore.Subscription, error)
}

// Config configures a Runner.
type Config struct {
	// Name keys the runner's checkpoint in projection_checkpoints. A new
	// name starts from the beginning of the global order. Default
	// DefaultName.
	Name string
	// BatchSize caps the events applied per transaction. Larger batches
	// amortize the round trips; each holds its rows in memory. Default
	// DefaultBatchSize.
	BatchSize int
	// Logger receives a line per batch at debug level. Default: discard.
	Logger *slog.Logger
	// Gather is how long, at most, the runner lets events gather after a
	// small batch when they keep coming and nobody waits for them: under a
	// stream of single commands it then applies hundreds of events in each
	// transaction rather than a transaction for every few, which costs
	// the server and the service as much as the commands themselves. A
	// WaitFor (a read waiting for its own write, the campaign engine
	// waiting for its commands) cuts the gathering short, and an event
	// after a quiet spell is read at once; only readers that wait for
	// nobody's write (an analyst's SQL, another client) may see the read
	// models up to this much behind. Default DefaultGather; negative:
	// never.
	Gather time.Duration
}

// The configuration defaults.
const (
	DefaultName      = "read-models"
	DefaultBatchSize = 1000
	DefaultGather    = 200 * time.Millisecond
)

// ErrStopped says the runner stopped before reaching the position waited for.
var ErrStopped = errors.New("projection runner stopped")

// Runner keeps the read models up to date: it follows the global order
// from its checkpoint and applies each batch of events, with the new
// checkpoint, in one transaction. Events at or before the checkpoint are
// already applied and are dropped, so redelivery is harmless.
//
// The runner writes to the schema the pool's search_path names: a rebuild
// is a runner with a fresh schema and position zero.
type Runner struct {
	pool   *pgxpool.Pool
	source EventSource
	cfg    Config

	mu       sync.Mutex
	pos      eventstore.Position
	stopped  error         // why the last Run ended; nil while running or before
	progress chan struct{} // closed and replaced when pos or stopped changes
	hurry    chan struct{} // a WaitFor asks the read-ahead to stop gathering (capacity 1)

	quarantined atomic.Int64 // events this runner quarantined since it was made

	// beforeCommit, when set by tests, runs after a batch's writes, inside
	// its transaction; an error rolls the batch back and stops the runner.
	beforeCommit func(ctx context.Context) error
}

// Quarantined counts the events this runner quarantined since it was
// made, for the metrics.
func (r *Runner) Quarantined() int64 { return r.quarantined.Load() }

// NewRunner returns a runner applying events of source to the read models
// in pool's database. The tables must exist: call Migrate first.
func NewRunner(pool *pgxpool.Pool, source EventSource, cfg Config) *Runner {
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Gather == 0 {
		cfg.Gather = DefaultGather
	}
	return &Runner{pool: pool, source: source, cfg: cfg, progress: make(chan struct{}), hurry: make(chan struct{}, 1)}
}

// Run applies events until ctx ends or the database fails. An event that
// cannot be applied (unknown or undecodable, refused by a read model, or
// its rows refused by the database) is quarantined with the reason, and
// the runner goes on after it (see quarantine.go); events an operator
// marked for retry are applied again between batches (quarantine_retry.go).
// Run returns ctx's error when ctx ends.
func (r *Runner) Run(ctx context.Context) (err error) {
	r.setStopped(nil)
	defer func() {
		if err != nil {
			err = fmt.Errorf("projections %s: %w", r.cfg.Name, err)
		}
		r.setStopped(err)
	}()
	pos, err := readCheckpoint(ctx, r.pool, r.cfg.Name)
	if err != nil {
		return err
	}
	r.advance(pos)
	r.cfg.Logger.Info("projections: starting", "name", r.cfg.Name, "after", pos.String())
	sub, err := r.source.SubscribeAll(ctx, pos)
	if err != nil {
		return fmt.Errorf("subscribing after %s: %w", pos, err)
	}
	defer sub.Close()
	ctx, cancel := context.WithCancel(ctx)
	batches := readAhead(ctx, sub, r.cfg.BatchSize, r.cfg.Gather, r.hurry)
	backfill := r.backfillBeside(ctx)
	defer func() {
		cancel()
		for range batches { // the read-ahead stops before the subscription closes
		}
		for range backfill { // nor does the backfill outlive Run
		}
	}()
	backfilled := backfill
	retries := time.NewTicker(retryPoll)
	defer retries.Stop()
	for {
		select {
		case f, ok := <-batches:
			if !ok {
				return ctx.Err()
			}
			if f.err != nil {
				return f.err
			}
			if err := r.applyBatch(ctx, f.events); err != nil {
				return err
			}
		case err := <-backfilled:
			if err != nil {
				return err
			}
			backfilled = nil // done: never selected again
		case <-retries.C:
			if err := r.retryMarked(ctx); err != nil {
				return err
			}
		}
	}
}

// fetched is a batch read from the subscription and decoded, or why
// reading stopped.
type fetched struct {
	events []decoded
	err    error
}

// decoded is an event read from the subscription: its envelope, or why it
// could not be decoded; where it is, to quarantine it.
type decoded struct {
	position  eventstore.Position
	stream    string
	revision  uint64
	eventType string
	recorded  time.Time
	env       envelope
	err       error
}

// readAhead reads and decodes the next batch while the current one is
// being applied, so that reading the event store and decoding the events
// overlap writing the read models: the runner's transactions follow each
// other with less in between. The channel closes after an error or when
// ctx ends.
//
// After a small batch (under an eighth of size), the next read starts no
// sooner than gather after the last one began, or when hurry receives: a
// read that waited for events (a quiet spell) began long ago, so only a
// steady trickle is held back, and then by gather at most.
func readAhead(ctx context.Context, sub eventstore.Subscription, size int, gather time.Duration, hurry <-chan struct{}) <-chan fetched {
	out := make(chan fetched, 1)
	go func() {
		defer close(out)
		var began time.Time
		small := false
		for {
			if wait := gather - time.Since(began); small && wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-hurry:
				case <-ctx.Done():
					t.Stop()
					return
				}
				t.Stop()
			}
			began = time.Now()
			events, err := sub.Next(ctx, size)
			small = len(events) < size/8
			batch := make([]decoded, len(events))
			for i, rec := range events {
				batch[i] = decoded{position: rec.Position, stream: rec.Stream, revision: rec.Revision, eventType: rec.Type, recorded: rec.Created}
				batch[i].env, batch[i].err = decode(rec)
			}
			select {
			case out <- fetched{batch, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}
