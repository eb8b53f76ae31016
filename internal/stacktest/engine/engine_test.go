package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
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

const account domain.AccountID = "acc1"

// world is a real event store, command handlers, projection runner and
// campaign engine on a fresh database, with devices simulated in process.
type world struct {
	t       *testing.T
	h       *commands.Handlers
	reads   wiring.EngineReads
	runner  *projections.Runner
	devices *fakeDevices
	pool    *pgxpool.Pool
	engine  *engine.Engine
	stop    func() // stops the engine
	start   func() // starts it again
}

func newWorld(t *testing.T, cfg engine.Config) *world {
	return newWorldWith(t, cfg, func(r engine.Reads) engine.Reads { return r })
}

// newWorldWith is newWorld with the engine's reads passed through wrap,
// which may hold some of them back.
func newWorldWith(t *testing.T, cfg engine.Config, wrap func(engine.Reads) engine.Reads) *world {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pool := pgtest.NewPool(t)
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := projections.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewEventStore(pool)
	t.Cleanup(store.Close)
	w := &world{t: t, pool: pool, h: commands.New(store, time.Now), reads: wiring.NewEngineReads(pool)}
	w.runner = projections.NewRunner(pool, store, projections.Config{})
	go func() { _ = w.runner.Run(ctx) }()
	w.devices = &fakeDevices{h: w.h, ctx: ctx}
	// One engine, run again after each stop, as the service runs it again
	// after a failure.
	e := engine.New(cfg, w.h, wrap(w.reads), sendQueue{w.h, w.devices}, store, w.runner.WaitFor, time.Now, time.Now)
	w.engine = e
	w.start = func() {
		engineCtx, stopEngine := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- e.Run(engineCtx) }()
		w.stop = func() {
			stopEngine()
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("engine stopped with %v", err)
			}
			w.stop = func() {} // stopped already
		}
	}
	w.start()
	t.Cleanup(func() { w.stop() })
	return w
}

// sendQueue is the send-manifest queue in process: its handler's command,
// writing through the simulated devices.
type sendQueue struct {
	h      *commands.Handlers
	sender commands.ManifestSender
}

func (q sendQueue) SendManifests(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, wave int, devices []domain.DeviceID) (commands.Result, error) {
	res, _, err := q.h.SendManifests(ctx, q.sender, commands.SendManifests{Meta: commands.Meta{Account: account}, CampaignID: campaign, Devices: devices, Wave: wave})
	return res, err
}

func (w *world) meta() commands.Meta { return commands.Meta{Account: account} }

// register registers n devices named prefix-i with the given class and
// firmware checksum.
func (w *world) register(prefix string, n int, class, firmware string) {
	var regs []commands.DeviceRegistration
	for i := range n {
		regs = append(regs, commands.DeviceRegistration{DeviceID: domain.DeviceID(fmt.Sprintf("%s-%03d", prefix, i)),
			Attributes: domain.DeviceAttributes{DeviceClass: class, FirmwareHash: firmware, Mechanism: domain.MechanismConnector}})
	}
	res, err := w.h.RegisterDevices(context.Background(), commands.RegisterDevices{Meta: w.meta(), Devices: regs})
	if err != nil || len(res.Failed) > 0 {
		w.t.Fatalf("registering %s: %v %v", prefix, err, res.Failed)
	}
}

func (w *world) startCampaign(id domain.CampaignID) { w.startCampaignFor(id, "m1", "sensor") }

// startCampaignFor starts campaign id of manifest (registered for class
// unless it is already) over the registered devices.
func (w *world) startCampaignFor(id domain.CampaignID, manifest domain.ManifestID, class string) {
	w.registerManifest(manifest, class)
	w.startSpec(id, domain.CampaignSpec{Name: string(id), ManifestID: manifest, DeviceFilter: "state__eq=registered"})
}

// registerManifest registers manifest for class unless it is already.
func (w *world) registerManifest(manifest domain.ManifestID, class string) {
	ctx := context.Background()
	_, err := w.h.RegisterManifest(ctx, commands.RegisterManifest{Meta: w.meta(), ManifestID: manifest, Spec: domain.ManifestSpec{
		Name: "fw2 " + class, DeviceClass: class, PayloadType: domain.PayloadFull, PayloadURL: "https://fw.example/2.bin",
		PayloadDigest: "digest-2", PayloadSize: 100, Timestamp: time.Now()}})
	var conflict domain.ConflictError
	if err != nil && !errors.As(err, &conflict) {
		w.t.Fatal(err)
	}
}

// startSpec creates campaign id of spec and starts it.
func (w *world) startSpec(id domain.CampaignID, spec domain.CampaignSpec) {
	ctx := context.Background()
	if _, err := w.h.CreateCampaign(ctx, commands.CreateCampaign{Meta: w.meta(), CampaignID: id, Spec: spec}); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.h.StartCampaign(ctx, commands.StartCampaign{Meta: w.meta(), CampaignID: id}); err != nil {
		w.t.Fatal(err)
	}
}

// waitPhase waits until the campaign reaches phase, or fails the test.
func (w *world) waitPhase(id domain.CampaignID, phase domain.Phase) *domain.Campaign {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		cp, err := w.h.Campaign(context.Background(), account, id)
		if err != nil {
			w.t.Fatal(err)
		}
		if cp.Phase() == phase {
			return cp
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.t.Fatalf("campaign %s did not reach phase %s within 60s", id, phase)
	return nil
}

// counts reads the campaign's devices per update state from the read model.
func (w *world) counts(id domain.CampaignID) map[domain.UpdateState]int {
	ctx := context.Background()
	out := map[domain.UpdateState]int{}
	for _, s := range domain.UpdateStates {
		ids, err := w.reads.CampaignDevicesInStates(ctx, id, []domain.UpdateState{s}, "", 1000)
		if err != nil {
			w.t.Fatal(err)
		}
		if len(ids) > 0 {
			out[s] = len(ids)
		}
	}
	return out
}

// fakeDevices answers manifest writes the way devices behind a connector
// do, by the prefix of their id: ok (deployed), fail (result 9), silent
// (never answer), reject (the connector refuses the write).
type fakeDevices struct {
	h    *commands.Handlers
	ctx  context.Context
	mu   sync.Mutex
	sent map[domain.DeviceID]int
	hold bool // accept writes but answer nothing
}

type permanentError struct{}

func (permanentError) Error() string   { return "device unknown to the connector" }
func (permanentError) Permanent() bool { return true }

func (f *fakeDevices) SendManifest(ctx context.Context, _ domain.AccountID, device domain.DeviceID, asyncID string, manifest []byte) error {
	f.mu.Lock()
	if f.sent == nil {
		f.sent = map[domain.DeviceID]int{}
	}
	f.sent[device]++
	hold := f.hold
	f.mu.Unlock()
	switch {
	case strings.HasPrefix(string(device), "reject"):
		return permanentError{}
	case strings.HasPrefix(string(device), "silent"), hold:
		return nil
	}
	go f.answer(device, asyncID)
	return nil
}

func (f *fakeDevices) answer(device domain.DeviceID, asyncID string) {
	meta := commands.Meta{Account: account}
	delivered, _ := domain.AsyncResponseReport(asyncID, 200, "")
	for {
		res, err := f.h.RecordDeviceReports(f.ctx, commands.RecordDeviceReports{Meta: meta, Reports: []domain.Report{delivered}})
		if err != nil || !errors.Is(res.Err(), domain.ErrSendNotRecorded) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	result := 1
	if strings.HasPrefix(string(device), "fail") {
		result = 9
	}
	_, _ = f.h.RecordDeviceReports(f.ctx, commands.RecordDeviceReports{Meta: meta, Reports: []domain.Report{
		{Kind: domain.ReportLwM2MState, Device: device, Value: 4},
		{Kind: domain.ReportLwM2MState, Device: device, Value: 7},
		{Kind: domain.ReportLwM2MResult, Device: device, Value: result}}})
}

func TestACampaignRunsToExactOutcomes(t *testing.T) {
	w := newWorld(t, engine.Config{BatchSize: 40, BatchDelay: 5 * time.Millisecond, PollInterval: 200 * time.Millisecond, DeviceTimeout: time.Second})
	w.register("ok", 150, "sensor", "digest-1")
	w.register("fail", 12, "sensor", "digest-1")
	w.register("silent", 5, "sensor", "digest-1")
	w.register("reject", 4, "sensor", "digest-1")
	w.register("camera", 6, "camera", "digest-1")
	w.register("current", 7, "sensor", "digest-2")
	w.startCampaign("c1")

	cp := w.waitPhase("c1", domain.PhaseStopped)
	if cp.State() != domain.StateDeployed {
		t.Errorf("campaign ended as %s, want deployed", cp.State())
	}
	if err := w.runner.WaitFor(context.Background(), w.runner.Position()); err != nil {
		t.Fatal(err)
	}
	want := map[domain.UpdateState]int{domain.UpdateDeployed: 150, domain.UpdateFailed: 12, domain.UpdateTimedOut: 5,
		domain.UpdateFailedConnectorChannelUpdate: 4, domain.UpdateSkipped: 13}
	if got := w.counts("c1"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("devices per state %v, want %v", got, want)
	}
	if cp.Enrolled() != 171 || cp.Skipped() != 13 {
		t.Errorf("campaign enrolled %d skipped %d, want 171 and 13", cp.Enrolled(), cp.Skipped())
	}
}

func TestAStopCancelsOpenDevicesAndReleasesTheQuota(t *testing.T) {
	w := newWorld(t, engine.Config{BatchSize: 20, BatchDelay: 5 * time.Millisecond, PollInterval: 200 * time.Millisecond, DeviceTimeout: time.Hour})
	w.devices.hold = true
	w.register("ok", 60, "sensor", "digest-1")
	if _, err := w.h.SetCampaignLimits(context.Background(), commands.SetCampaignLimits{Meta: w.meta(), MaxActiveCampaigns: 1}); err != nil {
		t.Fatal(err)
	}
	w.startCampaign("c1")
	w.waitPhase("c1", domain.PhaseActive)
	if _, err := w.h.StopCampaign(context.Background(), commands.StopCampaign{Meta: w.meta(), CampaignID: "c1"}); err != nil {
		t.Fatal(err)
	}
	cp := w.waitPhase("c1", domain.PhaseStopped)
	if cp.State() != domain.StateUserStopped {
		t.Errorf("campaign ended as %s, want userstopped", cp.State())
	}
	_ = w.runner.WaitFor(context.Background(), w.runner.Position())
	if got := w.counts("c1"); got[domain.UpdateCancelled] != 60 || len(got) != 1 {
		t.Errorf("devices per state %v, want all 60 cancelled", got)
	}
	// The slot is free again: a second campaign over the same devices starts.
	w.startCampaign("c2")
	if cp := w.waitPhase("c2", domain.PhaseActive); cp.Enrolled() != 60 {
		t.Errorf("second campaign enrolled %d devices, want 60", cp.Enrolled())
	}
}

func TestARestartedEngineResumesWithoutLosingOrRepeating(t *testing.T) {
	w := newWorld(t, engine.Config{BatchSize: 10, BatchDelay: 30 * time.Millisecond, PollInterval: 200 * time.Millisecond, DeviceTimeout: 2 * time.Second})
	w.register("ok", 120, "sensor", "digest-1")
	w.startCampaign("c1")
	for range 2 {
		time.Sleep(150 * time.Millisecond)
		w.stop()
		w.start()
	}
	cp := w.waitPhase("c1", domain.PhaseStopped)
	_ = w.runner.WaitFor(context.Background(), w.runner.Position())
	if got := w.counts("c1"); got[domain.UpdateDeployed] != 120 || len(got) != 1 {
		t.Errorf("devices per state %v, want 120 deployed", got)
	}
	if cp.Enrolled() != 120 || cp.Batches() != 13 {
		t.Errorf("enrolled %d in %d batches, want 120 in 13", cp.Enrolled(), cp.Batches())
	}
}

func TestATimedCampaignWaitsForItsTimeThenStarts(t *testing.T) {
	w := newWorld(t, engine.Config{BatchSize: 20, PollInterval: 300 * time.Millisecond, DeviceTimeout: time.Hour})
	w.devices.hold = true
	w.register("ok", 5, "sensor", "digest-1")
	ctx := context.Background()
	if _, err := w.h.RegisterManifest(ctx, commands.RegisterManifest{Meta: w.meta(), ManifestID: "m1", Spec: domain.ManifestSpec{
		Name: "fw2", DeviceClass: "sensor", PayloadType: domain.PayloadFull, PayloadURL: "https://fw.example/2.bin",
		PayloadDigest: "digest-2", PayloadSize: 100, Timestamp: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	when := time.Now().Add(1500 * time.Millisecond)
	if _, err := w.h.CreateCampaign(ctx, commands.CreateCampaign{Meta: w.meta(), CampaignID: "c1", Spec: domain.CampaignSpec{
		Name: "timed", ManifestID: "m1", DeviceFilter: "state__eq=registered", When: &when}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.h.StartCampaign(ctx, commands.StartCampaign{Meta: w.meta(), CampaignID: "c1"}); err != nil {
		t.Fatal(err)
	}
	cp, err := w.h.Campaign(ctx, account, "c1")
	if err != nil || cp.Phase() != domain.PhaseTimed {
		t.Fatalf("after start: phase %v (%v), want timed", cp.Phase(), err)
	}
	cp = w.waitPhase("c1", domain.PhaseActive)
	started := cp.StartingAt()
	if started.Before(when) || started.After(when.Add(300*time.Millisecond+time.Second)) {
		t.Errorf("started at %s; want between %s and one polling interval (plus slack) later", started.Format(time.StampMilli), when.Format(time.StampMilli))
	}
}
