package main

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// reporter puts the Director's update reports on their queue: the bus's
// publisher, on Kafka.
type reporter interface {
	Send(ctx context.Context, m bus.Message, opts ...bus.SendOption) (commands.Result, error)
}

// start records a running assignment and schedules its installation;
// d.mu is held.
func (d *director) start(key assignmentKey, correlationID string) {
	r := rand.New(rand.NewPCG(d.seed, hashOf(key.device, correlationID)))
	latency := time.Duration(float64(d.o.Latency) * (0.5 + r.Float64()))
	outcome := d.o.Results.pick(r.IntN(d.o.Results.total()))
	a := &assignment{correlationID: correlationID}
	d.installs.Add(1)
	a.timer = time.AfterFunc(latency, func() { d.install(key, a, outcome) })
	d.running[key] = a
	d.assigned.Add(1)
}

// install ends an assignment with its outcome and reports it, unless it
// was cancelled meanwhile.
func (d *director) install(key assignmentKey, a *assignment, outcome string) {
	defer d.installs.Done()
	d.mu.Lock()
	if d.running[key] != a {
		d.mu.Unlock()
		return
	}
	delete(d.running, key)
	d.mu.Unlock()
	now := time.Now().UTC()
	result := &bus.InstallationResult{Success: new(outcome == resultSuccess), Description: "fleetsim: installed"}
	switch outcome {
	case resultSuccess:
		result.Code = "0"
	case resultNone:
		result.Description = "fleetsim: installation failed without a code"
	default:
		result.Code, result.Description = outcome, "fleetsim: installation failed with "+outcome
	}
	m := bus.DeviceUpdateReport{Namespace: domain.AccountID(key.namespace), Device: domain.DeviceID(key.device),
		CorrelationID: a.correlationID, Result: result, ReceivedAt: &now}
	if _, err := d.report.Send(d.ctx, m); err != nil {
		d.log.Error("update report not sent", "device", key.device, "err", err)
		return
	}
	d.reported.Add(1)
	d.record.add(directorEvent{Event: recordReported, Namespace: key.namespace, Device: key.device, CorrelationID: a.correlationID, Outcome: outcome})
}

// hashOf mixes strings into a seed.
func hashOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}
