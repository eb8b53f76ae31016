package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// readModelWait is read-your-writes on any replica: the leader waits on
// its own projection runner (which stops gathering events for a waiter);
// a follower, or a leader whose runner is not running, waits for the
// checkpoint in Postgres to pass the write, which the leader's runner
// moves.
type readModelWait struct {
	leader    *leadership
	projector *projections.Runner
	pool      *pgxpool.Pool
}

// WaitFor blocks until the read models reflect every event up to pos.
func (w readModelWait) WaitFor(ctx context.Context, pos eventstore.Position) error {
	if w.leader.Leading() {
		err := w.projector.WaitFor(ctx, pos)
		if !errors.Is(err, projections.ErrStopped) {
			return err
		}
	}
	return projections.WaitForCheckpoint(ctx, w.pool, projections.DefaultName, pos)
}

// projectionsReady is the projections' readiness: a follower does not run
// them, so only the leader's runner can fail it.
func (w readModelWait) projectionsReady(context.Context) error {
	if !w.leader.Leading() {
		return nil
	}
	return w.projector.Err()
}

// registerLeaderGauge exposes update_service_leader: 1 on the replica that
// runs the campaign engine and the projections, 0 on the others.
func registerLeaderGauge(metrics *prometheus.Registry, l *leadership) {
	metrics.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "update_service_leader",
		Help: "1 while this replica leads (runs the campaign engine and the projections), else 0."},
		func() float64 {
			if l.Leading() {
				return 1
			}
			return 0
		}))
}

// restartableQueues runs the queues' router, and a new one after it
// stopped (a broker that went away ends its subscriptions, and a Watermill
// router does not run twice), restarting like the other background parts.
// first is the router made at start, so that a wiring mistake fails the
// start; newRouter makes the next ones.
func restartableQueues(log *slog.Logger, first *bus.Router, newRouter func() (*bus.Router, error)) func(context.Context) error {
	next := first
	return restarting(log, "queues", func(ctx context.Context) error {
		r := next
		next = nil
		if r == nil {
			var err error
			if r, err = newRouter(); err != nil {
				return err
			}
		}
		err := r.Run(ctx)
		_ = r.Close()
		if err == nil && ctx.Err() == nil {
			err = errors.New("every queue's subscription ended")
		}
		return err
	})
}
