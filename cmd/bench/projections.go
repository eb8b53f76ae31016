package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// projectionRunner stores a realistic history (campaigns of 1,000 devices
// each walking to success or failure), then times a fresh projection runner
// from position zero to the last event.
func (b *bench) projectionRunner(ctx context.Context) (rate, error) {
	pool, err := b.database(ctx, "projections", 0)
	if err != nil {
		return rate{}, err
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		return rate{}, err
	}
	if err := projections.Migrate(ctx, pool); err != nil {
		return rate{}, err
	}
	store := postgres.NewEventStore(pool)
	defer store.Close()
	last, n, err := writeHistory(ctx, store, b.opts.projected)
	if err != nil {
		return rate{}, fmt.Errorf("writing the history: %w", err)
	}
	runner := projections.NewRunner(pool, store, projections.Config{})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	go func() { _ = runner.Run(ctx) }()
	if err := runner.WaitFor(ctx, last); err != nil {
		return rate{}, err
	}
	return rate{n: n, elapsed: time.Since(start)}, nil
}

// writeHistory appends campaigns until about target events are stored and
// returns the last position and the number of events.
func writeHistory(ctx context.Context, store *postgres.EventStore, target int) (eventstore.Position, int, error) {
	const devicesPerCampaign = 1000
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var last eventstore.Position
	total := 0
	for c := 0; total < target; c++ {
		h := historyWriter{store: store, account: "acc1", now: t0.Add(time.Duration(c) * time.Hour)}
		id := domain.CampaignID(fmt.Sprintf("campaign%06d", c))
		if err := h.campaign(id, devicesPerCampaign); err != nil {
			return last, total, err
		}
		for d := 0; d < devicesPerCampaign; d++ {
			if err := h.device(id, domain.DeviceID(fmt.Sprintf("dev-%d-%d", c, d)), d%10 == 0); err != nil {
				return last, total, err
			}
		}
		pos, err := h.flush(ctx)
		if err != nil {
			return last, total, err
		}
		last, total = pos, total+h.events
	}
	return last, total, nil
}

// historyWriter records events through the domain aggregates, so the
// history is one the service could have written, and appends them.
type historyWriter struct {
	store    *postgres.EventStore
	account  domain.AccountID
	now      time.Time
	requests []eventstore.AppendRequest
	events   int
}

func (h *historyWriter) campaign(id domain.CampaignID, devices int) error {
	c, err := domain.NewCampaign(id, h.account, domain.CampaignSpec{Name: string(id), ManifestID: "manifest1", DeviceFilter: "state__eq=registered"}, h.now)
	if err != nil {
		return err
	}
	steps := []func() error{
		func() error { return c.RequestStart(h.now) },
		func() error { return c.AllocateQuota(h.now) },
		func() error { return c.CheckManifest(h.now, h.now) },
		func() error {
			return c.RecordBatch(domain.CampaignBatch{Batch: 1, Enrolled: devices, Cursor: "end", Last: true}, h.now)
		},
		func() error { return c.Publish(h.now) },
		func() error { return c.Deploy(h.now) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	h.add(domain.CampaignStream(id), c.Changes())
	return nil
}

func (h *historyWriter) device(campaign domain.CampaignID, id domain.DeviceID, fails bool) error {
	d, err := domain.LoadDevice(nil)
	if err != nil {
		return err
	}
	if err := d.Register(h.account, id, domain.DeviceAttributes{Name: string(id), DeviceClass: "class1", Mechanism: domain.MechanismConnector}, h.now); err != nil {
		return err
	}
	if err := d.Enroll(campaign, "manifest1", h.now); err != nil {
		return err
	}
	end := domain.UpdateChange{To: domain.UpdateDeployed}
	if fails {
		end = domain.UpdateChange{To: domain.UpdateFailed, ResultCode: 11}
	}
	for _, change := range []domain.UpdateChange{{To: domain.UpdateScheduled, AsyncID: uuid.NewString()},
		{To: domain.UpdateUpdatedConnectorChannel}, {To: domain.UpdateDownloading}, {To: domain.UpdateInstalling}, end} {
		if err := d.ChangeUpdateState(campaign, change, h.now); err != nil {
			return err
		}
	}
	h.add(domain.DeviceStream(h.account, id), d.Changes())
	return nil
}

func (h *historyWriter) add(stream string, events []domain.Event) {
	r := eventstore.AppendRequest{Stream: stream, Expected: eventstore.NoStream}
	for _, e := range events {
		name, data, _ := domain.EncodeEvent(e)
		r.Events = append(r.Events, eventstore.EventData{ID: uuid.New(), Type: name, Data: data, Metadata: eventstore.Metadata{AccountID: string(h.account)}})
	}
	h.requests = append(h.requests, r)
	h.events += len(r.Events)
}

// flush appends what was recorded, 1,000 streams per transaction.
func (h *historyWriter) flush(ctx context.Context) (eventstore.Position, error) {
	var last eventstore.Position
	for len(h.requests) > 0 {
		n := min(1000, len(h.requests))
		results, err := h.store.AppendMulti(ctx, h.requests[:n])
		if err != nil {
			return last, err
		}
		last = results[n-1].Position
		h.requests = h.requests[n:]
	}
	return last, nil
}
