package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// BuildOptions configures the runner that builds read models into a
// scratch schema for Verify and Rebuild.
type BuildOptions struct {
	// Runner names the live runner (its Config.Name) whose checkpoint the
	// build stops at. Default DefaultName.
	Runner string
	// Schema names the scratch schema, which must not exist yet; it is
	// dropped at the end.
	Schema string
	// BatchSize caps the events applied per transaction. Default
	// DefaultBatchSize.
	BatchSize int
	// Progress, when set, is called a few times a second while the build
	// catches up, with where it is and where it is going.
	Progress func(at, target eventstore.Position)
}

// progressEvery is how often Progress is called.
const progressEvery = 200 * time.Millisecond

// scratchBuild is a runner building read models into a scratch schema,
// from position zero up to a bound it never passes.
type scratchBuild struct {
	opts   BuildOptions
	runner *Runner
	bound  *boundedSource
	cancel context.CancelFunc
	done   chan error
}

// startBuild starts a runner on s (under the live runner's name, so that
// quarantine rows it writes belong to it) that applies source's events up
// to the zero position; reach raises that.
func startBuild(s *scratch, source EventSource, opts BuildOptions) *scratchBuild {
	bound := newBoundedSource(source, eventstore.Position{})
	runner := NewRunner(s.pool, bound, Config{Name: opts.Runner, BatchSize: opts.BatchSize, Gather: -1})
	ctx, cancel := context.WithCancel(context.Background())
	b := &scratchBuild{opts: opts, runner: runner, bound: bound, cancel: cancel, done: make(chan error, 1)}
	go func() { b.done <- runner.Run(ctx) }()
	return b
}

// reach applies the events up to target and waits until they are
// committed, calling opts.Progress meanwhile.
func (b *scratchBuild) reach(ctx context.Context, target eventstore.Position) error {
	if b.runner.Position().Less(target) {
		b.bound.raise(target)
	} else if target.Less(b.runner.Position()) {
		return fmt.Errorf("the live checkpoint %s is behind the rebuild's %s: did it move back?", target, b.runner.Position())
	}
	if b.opts.Progress == nil {
		return b.runner.WaitFor(ctx, target)
	}
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	waited := make(chan error, 1)
	go func() { waited <- b.runner.WaitFor(ctx, target) }()
	for {
		b.opts.Progress(b.runner.Position(), target)
		select {
		case err := <-waited:
			b.opts.Progress(b.runner.Position(), target)
			return err
		case <-tick.C:
		}
	}
}

// stop stops the runner and returns why it had stopped, if not because
// it was asked to.
func (b *scratchBuild) stop() error {
	b.cancel()
	if err := <-b.done; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// liveCheckpoint reads the live runner's checkpoint through q (in a
// transaction, FOR UPDATE holds the runner back); zero when it never ran.
func liveCheckpoint(ctx context.Context, q querier, runner string, lock bool) (eventstore.Position, error) {
	sql := `SELECT commit_position, prepare_position FROM projection_checkpoints WHERE name = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	var commit, prepare int64
	err := q.QueryRow(ctx, sql, runner).Scan(&commit, &prepare)
	if errors.Is(err, pgx.ErrNoRows) {
		return eventstore.Position{}, nil
	}
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("reading the checkpoint of %s: %w", runner, err)
	}
	return eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}, nil
}

func (o BuildOptions) withDefaults() BuildOptions {
	if o.Runner == "" {
		o.Runner = DefaultName
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	return o
}
