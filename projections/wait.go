package projections

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// Position returns the position of the last event applied and committed:
// every read model reflects the events up to it.
func (r *Runner) Position() eventstore.Position {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pos
}

// WaitFor blocks until the read models reflect every event up to pos, for
// read-your-writes: pass the position an append returned. A runner that
// lets events gather (Config.Gather) reads at once when someone waits. It
// returns an error wrapping ErrStopped if the runner stops before, or
// ctx's error.
func (r *Runner) WaitFor(ctx context.Context, pos eventstore.Position) error {
	for {
		r.mu.Lock()
		reached, stopped, progress := !r.pos.Less(pos), r.stopped, r.progress
		r.mu.Unlock()
		if reached {
			return nil
		}
		if stopped != nil {
			return fmt.Errorf("waiting for position %s: %w: %w", pos, ErrStopped, stopped)
		}
		select {
		case r.hurry <- struct{}{}:
		default: // already asked
		}
		select {
		case <-progress:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// advance records a committed position and wakes the waiters.
func (r *Runner) advance(pos eventstore.Position) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pos = pos
	r.wake()
}

// setStopped records why Run ended (nil when it starts) and wakes the
// waiters, so that none waits for a runner that is gone.
func (r *Runner) setStopped(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = err
	r.wake()
}

// wake closes the progress channel; the caller holds mu.
func (r *Runner) wake() {
	close(r.progress)
	r.progress = make(chan struct{})
}

// Err returns why the last Run ended, or nil while it runs or before it
// started: the service's readiness check.
func (r *Runner) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopped
}
