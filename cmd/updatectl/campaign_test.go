package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/internal/wiring"
	"github.com/updateservice/updateservice/projections"
)

// service is the database of a service that ran: its events, its read
// models and its projection runner, stopped or running.
type service struct {
	url    string
	pool   *pgxpool.Pool
	store  *postgres.EventStore
	runner *projections.Runner
	h      *commands.Handlers
	stop   context.CancelFunc
}

// instantDevices answer every manifest at once, as devices would through
// the connector: nine in ten deploy it, one fails with result code 18.
type instantDevices struct{ h *commands.Handlers }

func (d instantDevices) SendManifests(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, wave int, devices []domain.DeviceID) (commands.Result, error) {
	meta := commands.Meta{Account: account}
	if _, _, err := d.h.RecordManifestsSent(ctx, commands.RecordManifestsSent{Meta: meta, CampaignID: campaign, Devices: devices, Wave: wave}); err != nil {
		return commands.Result{}, err
	}
	reports := make([]domain.Report, len(devices))
	for i, dev := range devices {
		reports[i] = domain.Report{Kind: domain.ReportUpdateState, Device: dev, Campaign: campaign, State: domain.UpdateDeployed}
		if i%10 == 9 {
			reports[i].State, reports[i].ResultCode = domain.UpdateFailed, 18
		}
	}
	res, err := d.h.RecordDeviceReports(ctx, commands.RecordDeviceReports{Meta: meta, Reports: reports})
	return res.Result, err
}

// newService migrates a fresh database and starts the projection runner.
func newService(t *testing.T) *service {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := projections.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := projections.ClaimEventSource(ctx, pool, "postgres"); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewEventStore(pool)
	t.Cleanup(store.Close)
	s := &service{url: url, pool: pool, store: store, h: commands.New(store, time.Now)}
	s.runner = projections.NewRunner(pool, store, projections.Config{})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.runner.Run(runCtx) }()
	s.stop = func() { cancel(); <-done }
	t.Cleanup(s.stop)
	return s
}

// runCampaign registers n devices and runs a campaign over them with the
// real campaign engine until it stops, every device deployed or failed.
func (s *service) runCampaign(t *testing.T, account domain.AccountID, campaign domain.CampaignID, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	meta := commands.Meta{Account: account}
	s.registerFleet(ctx, t, meta, n)
	e := engine.New(engine.Config{BatchSize: 500, PollInterval: 50 * time.Millisecond, DeviceTimeout: time.Hour},
		s.h, wiring.NewEngineReads(s.pool), instantDevices{s.h}, s.store,
		s.runner.WaitFor, time.Now, time.Now)
	engineCtx, stopEngine := context.WithCancel(ctx)
	defer stopEngine()
	go func() { _ = e.Run(engineCtx) }()
	manifest := domain.ManifestID(string(campaign) + "-m")
	if _, err := s.h.RegisterManifest(ctx, commands.RegisterManifest{Meta: meta, ManifestID: manifest, Spec: domain.ManifestSpec{Name: "fw",
		DeviceClass: "sensor", PayloadType: domain.PayloadFull, PayloadURL: "https://fw.example/fw.bin", PayloadDigest: "new", PayloadSize: 1, Timestamp: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.h.CreateCampaign(ctx, commands.CreateCampaign{Meta: meta, CampaignID: campaign,
		Spec: domain.CampaignSpec{Name: string(campaign), ManifestID: manifest, DeviceFilter: "state__eq=registered"}}); err != nil {
		t.Fatal(err)
	}
	started, err := s.h.StartCampaign(ctx, commands.StartCampaign{Meta: meta, CampaignID: campaign})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.runner.WaitFor(ctx, started.Position); err != nil {
		t.Fatal(err)
	}
	s.waitStopped(ctx, t, account, campaign, n)
}

// registerFleet registers n sensors of the account, 1,000 a command.
func (s *service) registerFleet(ctx context.Context, t *testing.T, meta commands.Meta, n int) {
	t.Helper()
	for done := 0; done < n; done += 1000 {
		regs := make([]commands.DeviceRegistration, min(1000, n-done))
		for i := range regs {
			regs[i] = commands.DeviceRegistration{DeviceID: domain.DeviceID(fmt.Sprintf("dev-%06d", done+i)),
				Attributes: domain.DeviceAttributes{DeviceClass: "sensor", FirmwareHash: "old", Mechanism: domain.MechanismConnector}}
		}
		if _, err := s.h.RegisterDevices(ctx, commands.RegisterDevices{Meta: meta, Devices: regs}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitStopped waits until the campaign stopped with every device deployed
// or failed.
func (s *service) waitStopped(ctx context.Context, t *testing.T, account domain.AccountID, campaign domain.CampaignID, n int) {
	t.Helper()
	q := projections.NewQueries(s.pool)
	for {
		c, err := q.Campaign(ctx, account, campaign)
		if err != nil {
			t.Fatal(err)
		}
		if c.Phase == domain.PhaseStopped {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the campaign did not stop: phase %s", c.Phase)
		case <-time.After(50 * time.Millisecond):
		}
	}
	counters, err := q.CampaignCounters(ctx, account, campaign)
	if err != nil {
		t.Fatal(err)
	}
	if counters.Deployed+counters.Failed != int64(n) {
		t.Fatalf("the campaign ended with %d deployed and %d failed of %d devices", counters.Deployed, counters.Failed, n)
	}
}

// env is the service's environment for updatectl.
func (s *service) env(extra ...string) func(string) string {
	vars := map[string]string{"DB_URL": s.url}
	for i := 0; i+1 < len(extra); i += 2 {
		vars[extra[i]] = extra[i+1]
	}
	return func(k string) string { return vars[k] }
}
