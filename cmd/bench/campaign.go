package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/internal/wiring"
	"github.com/updateservice/updateservice/projections"
)

// silentDevices is the send-manifest queue of devices that never answer:
// it records the writes as its handler does, and writes nothing. The
// campaign benchmark measures enrolment, not devices.
type silentDevices struct{ h *commands.Handlers }

func (s silentDevices) SendManifests(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, wave int, devices []domain.DeviceID) (commands.Result, error) {
	res, _, err := s.h.RecordManifestsSent(ctx, commands.RecordManifestsSent{Meta: commands.Meta{Account: account}, CampaignID: campaign, Devices: devices, Wave: wave})
	return res, err
}

// inProcess is the service's parts in one process on a database of its
// own: the Postgres event store, the handlers, the projection runner and
// the campaign engine, whose devices never answer (silentDevices). They
// run until stop; the engine has followed fleet's registrations by then.
type inProcess struct {
	h       *commands.Handlers
	reads   wiring.EngineReads
	pool    *pgxpool.Pool
	meta    commands.Meta
	started time.Time // when the campaign was asked to start
	stop    func()
}

// startCampaign runs the parts on database name, registers fleet devices
// and starts campaign c1 over them under policy (nil: none).
func (b *bench) startCampaign(ctx context.Context, name string, fleet int, policy *domain.RolloutPolicy) (*inProcess, error) {
	pool, err := b.database(ctx, name, 0)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(postgres.Migrate(ctx, pool), projections.Migrate(ctx, pool)); err != nil {
		pool.Close()
		return nil, err
	}
	store := postgres.NewEventStore(pool)
	ctx, cancel := context.WithCancel(ctx)
	p := &inProcess{h: commands.New(store, time.Now), reads: wiring.NewEngineReads(pool), pool: pool,
		meta: commands.Meta{Account: "bench"}, stop: func() { cancel(); store.Close(); pool.Close() }}
	runner := projections.NewRunner(pool, store, projections.Config{})
	go func() { _ = runner.Run(ctx) }()
	// The engine runs before the fleet registers, as in a running service:
	// it has followed the registrations by the time the campaign starts.
	e := engine.New(engine.Config{BatchSize: b.opts.schedulerBatch, PollInterval: time.Second, DeviceTimeout: time.Hour},
		p.h, p.reads, silentDevices{p.h}, store, runner.WaitFor, time.Now, time.Now)
	go func() { _ = e.Run(ctx) }()
	if err := p.begin(ctx, b, fleet, runner, e, policy); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// begin registers the fleet and a manifest, and starts the campaign.
func (p *inProcess) begin(ctx context.Context, b *bench, fleet int, runner *projections.Runner, e *engine.Engine, policy *domain.RolloutPolicy) error {
	registered, err := b.registerFleet(ctx, p.h, p.meta, runner, fleet)
	if err != nil {
		return err
	}
	for e.Position().Less(registered) {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := p.h.RegisterManifest(ctx, commands.RegisterManifest{Meta: p.meta, ManifestID: "m1", Spec: domain.ManifestSpec{Name: "fw",
		DeviceClass: "sensor", PayloadType: domain.PayloadFull, PayloadURL: "https://fw.example/fw.bin", PayloadDigest: "d2", PayloadSize: 1, Timestamp: time.Now()}}); err != nil {
		return err
	}
	spec := domain.CampaignSpec{Name: "bench", ManifestID: "m1", DeviceFilter: "state__eq=registered", Rollout: policy}
	if _, err := p.h.CreateCampaign(ctx, commands.CreateCampaign{Meta: p.meta, CampaignID: "c1", Spec: spec}); err != nil {
		return err
	}
	p.started = time.Now()
	_, err = p.h.StartCampaign(ctx, commands.StartCampaign{Meta: p.meta, CampaignID: "c1"})
	return err
}

// campaign registers b.opts.fleet devices (not timed), then times a
// campaign over all of them from its start until every device is enrolled
// and the read models show it. It returns devices/s and the process's
// resident memory at the end.
func (b *bench) campaign(ctx context.Context) (rate, string, error) {
	p, err := b.startCampaign(ctx, "campaign", b.opts.fleet, nil)
	if err != nil {
		return rate{}, "", err
	}
	defer p.stop()
	for {
		c, err := p.reads.CampaignProgress(ctx, "c1")
		if err != nil {
			return rate{}, "", err
		}
		if c.Targeted >= int64(b.opts.fleet) {
			return rate{n: b.opts.fleet, elapsed: time.Since(p.started)}, residentMemory(), nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// registerFleet registers the devices in bulk and waits until the catalog
// shows them; it returns the position of the last registration.
func (b *bench) registerFleet(ctx context.Context, h *commands.Handlers, meta commands.Meta, runner *projections.Runner, fleet int) (eventstore.Position, error) {
	var last commands.Result
	for done := 0; done < fleet; done += 1000 {
		regs := make([]commands.DeviceRegistration, min(1000, fleet-done))
		for i := range regs {
			regs[i] = commands.DeviceRegistration{DeviceID: domain.DeviceID(fmt.Sprintf("dev-%07d", done+i)),
				Attributes: domain.DeviceAttributes{DeviceClass: "sensor", FirmwareHash: "d1", Mechanism: domain.MechanismConnector}}
		}
		res, err := h.RegisterDevices(ctx, commands.RegisterDevices{Meta: meta, Devices: regs})
		if err != nil {
			return eventstore.Position{}, err
		}
		last = res.Result
	}
	return last.Position, runner.WaitFor(ctx, last.Position)
}
