package main

import (
	"context"
	"fmt"
	"time"

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

// campaign registers b.opts.fleet devices (not timed), then times a
// campaign over all of them from its start until every device is enrolled
// and the read models show it. It returns devices/s and the process's
// resident memory at the end.
func (b *bench) campaign(ctx context.Context) (rate, string, error) {
	pool, err := b.database(ctx, "campaign", 0)
	if err != nil {
		return rate{}, "", err
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		return rate{}, "", err
	}
	if err := projections.Migrate(ctx, pool); err != nil {
		return rate{}, "", err
	}
	store := postgres.NewEventStore(pool)
	defer store.Close()
	h := commands.New(store, time.Now)
	runner := projections.NewRunner(pool, store, projections.Config{})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = runner.Run(ctx) }()
	// The engine runs before the fleet registers, as in a running service:
	// it has followed the registrations by the time the campaign starts.
	reads := wiring.NewEngineReads(pool)
	e := engine.New(engine.Config{BatchSize: b.opts.schedulerBatch, PollInterval: time.Second, DeviceTimeout: time.Hour},
		h, reads, silentDevices{h}, store, runner.WaitFor, time.Now, time.Now)
	go func() { _ = e.Run(ctx) }()
	meta := commands.Meta{Account: "bench"}
	registered, err := b.registerFleet(ctx, h, meta, runner)
	if err != nil {
		return rate{}, "", err
	}
	for e.Position().Less(registered) {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := h.RegisterManifest(ctx, commands.RegisterManifest{Meta: meta, ManifestID: "m1", Spec: domain.ManifestSpec{Name: "fw",
		DeviceClass: "sensor", PayloadType: domain.PayloadFull, PayloadURL: "https://fw.example/fw.bin", PayloadDigest: "d2", PayloadSize: 1, Timestamp: time.Now()}}); err != nil {
		return rate{}, "", err
	}
	if _, err := h.CreateCampaign(ctx, commands.CreateCampaign{Meta: meta, CampaignID: "c1", Spec: domain.CampaignSpec{Name: "bench", ManifestID: "m1", DeviceFilter: "state__eq=registered"}}); err != nil {
		return rate{}, "", err
	}
	start := time.Now()
	if _, err := h.StartCampaign(ctx, commands.StartCampaign{Meta: meta, CampaignID: "c1"}); err != nil {
		return rate{}, "", err
	}
	for {
		c, err := reads.CampaignProgress(ctx, "c1")
		if err != nil {
			return rate{}, "", err
		}
		if c.Targeted >= int64(b.opts.fleet) {
			return rate{n: b.opts.fleet, elapsed: time.Since(start)}, residentMemory(), nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// registerFleet registers the devices in bulk and waits until the catalog
// shows them; it returns the position of the last registration.
func (b *bench) registerFleet(ctx context.Context, h *commands.Handlers, meta commands.Meta, runner *projections.Runner) (eventstore.Position, error) {
	var last commands.Result
	for done := 0; done < b.opts.fleet; done += 1000 {
		regs := make([]commands.DeviceRegistration, min(1000, b.opts.fleet-done))
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
