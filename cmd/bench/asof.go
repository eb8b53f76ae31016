package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// asOfCampaign is the campaign of the as_of scenario.
const asOfCampaign = domain.CampaignID("asof")

// asOfScenario records a b.opts.fleet-device campaign (each device
// enrolled, then five update steps, a step for every device at a time),
// projects it, and times the reads as of the instant after the third
// step, next to the live reads and a raw count of the live records per
// state: once as the runner left the tables, once after VACUUM ANALYZE
// (autovacuum's work: the planner's statistics of the freshly filled
// tables).
func (b *bench) asOfScenario(ctx context.Context, _ rate) error {
	pool, err := b.database(ctx, "asof", 0)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		return err
	}
	if err := projections.Migrate(ctx, pool); err != nil {
		return err
	}
	store := postgres.NewEventStore(pool)
	defer store.Close()
	runner := projections.NewRunner(pool, store, projections.Config{})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = runner.Run(ctx) }()
	started := time.Now()
	at, last, n, err := writeAsOfCampaign(ctx, store, b.opts.fleet)
	if err != nil {
		return fmt.Errorf("writing the campaign: %w", err)
	}
	if err := runner.WaitFor(ctx, last); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "\nas_of: a campaign of %d devices, %d events, written and projected in %s; as of the instant after its third step\n",
		b.opts.fleet, n, time.Since(started).Round(time.Millisecond))
	if err := b.timeAsOf(ctx, pool, store, at); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "after VACUUM ANALYZE:\n")
	return b.timeAsOf(ctx, pool, store, at)
}

// timeAsOf prints the median time of each read over a few runs.
func (b *bench) timeAsOf(ctx context.Context, pool *pgxpool.Pool, store *postgres.EventStore, at time.Time) error {
	q, h := projections.NewQueries(pool), projections.NewHistory(pool, store)
	const account = domain.AccountID("acc1")
	first := projections.ListRequest{Limit: projections.DefaultLimit, Order: projections.Ascending}
	reads := []struct {
		name string
		read func() error
	}{
		{"live counters read (baseline)", func() error { _, err := q.CampaignCounters(ctx, account, asOfCampaign); return err }},
		{"raw count of live records per state (baseline)", func() error {
			_, err := pool.Exec(ctx, `SELECT update_state, count(*) FROM campaign_device_metadata WHERE campaign_id = $1 GROUP BY 1`, asOfCampaign)
			return err
		}},
		{"counters as of", func() error { _, err := h.CountersAsOf(ctx, account, asOfCampaign, at); return err }},
		{"campaign object as of", func() error { _, err := h.CampaignAsOf(ctx, account, asOfCampaign, at); return err }},
		{"statistics as of", func() error { _, err := h.StatisticsAsOf(ctx, account, asOfCampaign, at); return err }},
		{"metadata first page as of", func() error {
			_, err := h.ListCampaignDeviceMetadataAsOf(ctx, account, asOfCampaign, at, first)
			return err
		}},
		{"history first page (50)", func() error {
			_, err := h.CampaignHistory(ctx, account, asOfCampaign, projections.HistoryRequest{Limit: 50})
			return err
		}},
	}
	for _, r := range reads {
		var took []time.Duration
		for range 5 {
			start := time.Now()
			if err := r.read(); err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		fmt.Fprintf(b.out, "  %-48s median %10s  (of 5; min %s, max %s)\n", r.name, took[2].Round(10*time.Microsecond),
			took[0].Round(10*time.Microsecond), took[4].Round(10*time.Microsecond))
	}
	return nil
}

// writeAsOfCampaign appends a campaign of devices: created and started,
// every device enrolled (1,000 device streams per transaction), the
// campaign deploying, then five update steps taken by every device in
// turn. It returns the instant after the third step, the last position
// and the number of events.
func writeAsOfCampaign(ctx context.Context, store *postgres.EventStore, devices int) (time.Time, eventstore.Position, int, error) {
	w := &historyWriter{store: store, account: "acc1", now: time.Now()}
	if err := w.campaign(asOfCampaign, devices); err != nil {
		return time.Time{}, eventstore.Position{}, 0, err
	}
	ids := make([]domain.DeviceID, devices)
	for i := range ids {
		ids[i] = domain.DeviceID(fmt.Sprintf("dev-%07d", i))
		w.add(domain.DeviceStream(w.account, ids[i]), []domain.Event{domain.DeviceEnrolled{CampaignID: asOfCampaign, ManifestID: "manifest1", At: w.now}})
	}
	last, err := w.flush(ctx)
	if err != nil {
		return time.Time{}, last, 0, err
	}
	var at time.Time
	from := domain.UpdatePending
	for step, to := range []domain.UpdateState{domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel,
		domain.UpdateDownloading, domain.UpdateInstalling, domain.UpdateDeployed} {
		for i, d := range ids {
			e := domain.DeviceUpdateStateChanged{CampaignID: asOfCampaign, From: from, To: to, AsyncID: uuid.NewString(), At: time.Now()}
			if to == domain.UpdateDeployed && i%10 == 0 {
				e.To, e.ResultCode = domain.UpdateFailed, 11
			}
			w.add(domain.DeviceStream(w.account, d), []domain.Event{e})
		}
		for i := range w.requests {
			w.requests[i].Expected = eventstore.Any
		}
		if last, err = w.flush(ctx); err != nil {
			return time.Time{}, last, 0, err
		}
		from = to
		if step == 2 {
			time.Sleep(10 * time.Millisecond)
			at = time.Now()
			time.Sleep(10 * time.Millisecond)
		}
	}
	return at, last, w.events, nil
}
