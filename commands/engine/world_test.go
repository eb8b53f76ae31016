package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/memstore"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

const account domain.AccountID = "acc1"

// world is the engine on the real command handlers and the in-memory
// event store, with its reads answered by readModel, its time by fake
// clocks, and devices simulated in process. No database.
type world struct {
	t       *testing.T
	store   *memstore.Store
	h       *commands.Handlers
	reads   *readModel
	devices *fakeDevices
	clock   *clock // the engine's and the handlers' now
	silence *clock // the engine's timeout clock
	engine  *engine.Engine
	cfg     engine.Config
	stop    func() // stops the engine
	// beforeSend, when set, sees each page put on the send-manifest queue.
	beforeSend func(campaign domain.CampaignID, devices []domain.DeviceID)
	// waits counts the engine's waits for the read models: each step of
	// an active campaign begins with one, a paused one's too.
	waits atomic.Int64
}

func newWorld(t *testing.T, cfg engine.Config) *world {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	w := &world{t: t, store: memstore.New(), clock: newClock(start), silence: newClock(start), cfg: cfg}
	w.h = commands.New(w.store, w.clock.Now)
	w.reads = newReadModel(w.store)
	w.devices = &fakeDevices{h: w.h, ctx: ctx}
	w.stop = func() {}
	t.Cleanup(func() { w.stop() })
	w.start()
	return w
}

// start runs a new engine: nothing of the one before is kept but what
// the event store and the read model hold, as after a restart.
func (w *world) start() {
	w.engine = engine.New(w.cfg, w.h, w.reads, sendQueue{w.h, w.devices, w}, w.store,
		func(context.Context, eventstore.Position) error { w.waits.Add(1); return nil }, w.clock.Now, w.silence.Now)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	e := w.engine
	go func() { done <- e.Run(ctx) }()
	w.stop = func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			w.t.Errorf("engine stopped with %v", err)
		}
		w.stop = func() {}
	}
}

// sendQueue is the send-manifest queue in process: its handler's command,
// writing through the simulated devices.
type sendQueue struct {
	h      *commands.Handlers
	sender commands.ManifestSender
	w      *world
}

// SendManifests runs the queue's handler on the devices at once.
func (q sendQueue) SendManifests(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, wave int, devices []domain.DeviceID) (commands.Result, error) {
	if q.w.beforeSend != nil {
		q.w.beforeSend(campaign, devices)
	}
	res, _, err := q.h.SendManifests(ctx, q.sender, commands.SendManifests{Meta: commands.Meta{Account: account}, CampaignID: campaign, Devices: devices, Wave: wave})
	return res, err
}

func (w *world) meta() commands.Meta { return commands.Meta{Account: account} }

// register registers n devices named prefix-i of class sensor with an
// older firmware than the campaigns'.
func (w *world) register(prefix string, n int) { w.registerOf("sensor", prefix, n) }

// registerOf registers n devices named prefix-i of class.
func (w *world) registerOf(class, prefix string, n int) {
	var regs []commands.DeviceRegistration
	for i := range n {
		regs = append(regs, commands.DeviceRegistration{DeviceID: domain.DeviceID(fmt.Sprintf("%s-%03d", prefix, i)),
			Attributes: domain.DeviceAttributes{DeviceClass: class, FirmwareHash: "digest-1", Mechanism: domain.MechanismConnector}})
	}
	res, err := w.h.RegisterDevices(context.Background(), commands.RegisterDevices{Meta: w.meta(), Devices: regs})
	if err != nil || len(res.Failed) > 0 {
		w.t.Fatalf("registering %s: %v %v", prefix, err, res.Failed)
	}
}

// createCampaign creates campaign id of manifest m-sensor, for class sensor,
// timed at when unless that is zero.
func (w *world) createCampaign(id domain.CampaignID, when time.Time) {
	w.createCampaignOf(id, "sensor", when)
}

// createCampaignOf creates campaign id of manifest m-class (registered
// for class unless it is) over the registered devices.
func (w *world) createCampaignOf(id domain.CampaignID, class string, when time.Time) {
	ctx := context.Background()
	manifest := w.registerManifest(class)
	spec := domain.CampaignSpec{Name: string(id), ManifestID: manifest, DeviceFilter: "state__eq=registered"}
	if !when.IsZero() {
		spec.When = &when
	}
	if _, err := w.h.CreateCampaign(ctx, commands.CreateCampaign{Meta: w.meta(), CampaignID: id, Spec: spec}); err != nil {
		w.t.Fatal(err)
	}
}

// registerManifest registers manifest m-class for class unless it is.
func (w *world) registerManifest(class string) domain.ManifestID {
	manifest := domain.ManifestID("m-" + class)
	_, err := w.h.RegisterManifest(context.Background(), commands.RegisterManifest{Meta: w.meta(), ManifestID: manifest, Spec: domain.ManifestSpec{
		Name: "fw2 " + class, DeviceClass: class, PayloadType: domain.PayloadFull, PayloadURL: "https://fw.example/2.bin",
		PayloadDigest: "digest-2", PayloadSize: 100, Timestamp: w.clock.Now()}})
	var conflict domain.ConflictError
	if err != nil && !errors.As(err, &conflict) {
		w.t.Fatal(err)
	}
	return manifest
}

// startCampaign creates campaign id for class sensor and starts it.
func (w *world) startCampaign(id domain.CampaignID) { w.startCampaignOf(id, "sensor") }

// startCampaignOf creates campaign id for class and starts it.
func (w *world) startCampaignOf(id domain.CampaignID, class string) {
	w.createCampaignOf(id, class, time.Time{})
	w.requestStart(id)
}

// requestStart asks for campaign id to start.
func (w *world) requestStart(id domain.CampaignID) {
	if _, err := w.h.StartCampaign(context.Background(), commands.StartCampaign{Meta: w.meta(), CampaignID: id}); err != nil {
		w.t.Fatal(err)
	}
}

// campaign loads campaign id.
func (w *world) campaign(id domain.CampaignID) *domain.Campaign {
	cp, err := w.h.Campaign(context.Background(), account, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return cp
}

// waitPhase waits until the campaign reaches phase, or fails the test.
func (w *world) waitPhase(id domain.CampaignID, phase domain.Phase) *domain.Campaign {
	var cp *domain.Campaign
	w.waitUntil(fmt.Sprintf("campaign %s in phase %s", id, phase), func() bool {
		cp = w.campaign(id)
		return cp.Phase() == phase
	})
	return cp
}

// waitUntil polls cond until it holds, or fails the test after a while.
func (w *world) waitUntil(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("%s: not within 30s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// counts reads the campaign's devices per update state.
func (w *world) counts(id domain.CampaignID) map[domain.UpdateState]int {
	_, updates, err := w.reads.updates(id)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[domain.UpdateState]int{}
	for _, u := range updates {
		out[u.State]++
	}
	return out
}

// clock is a fake clock that moves only when told. It counts its reads:
// a test that waits for a few more knows the engine has looked again.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	reads int
}

func newClock(t time.Time) *clock { return &clock{now: t} }

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	return c.now
}

func (c *clock) readCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

// Advance moves the clock on by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
