// Package engine is the campaign engine: a process manager that follows
// the event store's global order and moves each started campaign through
// its pipeline — quota, manifest check, device pages, publishing, delivery
// of the manifests (or assignment in the Director), timeouts, completion —
// by sending commands.
//
// Rules:
//
//  1. The campaign's state in the event store decides the next step, never
//     the engine's memory: a restarted engine resumes where the events say.
//  2. Every step is a command that is safe to repeat (deterministic command
//     ids, or a state check that makes a repeat record nothing).
//  3. One driver goroutine per campaign with work; events about a campaign
//     or its devices wake its driver.
//  4. Device pages come from the catalog read model, read once it reflects
//     every event the engine has seen, or, for a campaign with groups and a
//     Device Registry configured, from the Registry, group after group; a
//     page is at most BatchSize devices, so memory never holds a whole
//     fleet, and its cursor is recorded with it, so a restart resumes there.
//  5. A manifest write is recorded (scheduled, with its async id) before it
//     is sent, by the send-manifest queue's handler; after a restart the
//     scheduled devices are sent again.
//  6. A stop cancels the sends in flight; the stopping campaign then cancels
//     its open devices and stops.
//  7. A deleted manifest is never sent again: the send handler finds it
//     not found, and every step of a campaign that may still send looks
//     at its manifest first and stops the campaign as manifestremoved, so
//     no restart, wherever it came, resumes the sending.
//  8. A campaign the engine cannot drive (an unreadable stream, a panic, a
//     step the domain keeps refusing) is quarantined and no longer driven;
//     the others go on (quarantine.go).
//  9. With a Director configured, a campaign that has an update (made
//     through /api/v2) has its pages assigned in the Director instead of
//     sent (director.go): a page is recorded scheduled before the Director
//     is asked, so a restart finds it scheduled and assigns it again, and a
//     device the Director then answers as not affected, perhaps in the
//     first assignment, stays assigned rather than rejected. A stop cancels
//     the assignments in the Director first.
//  10. A user's cancel of a device under way is a recorded request
//     (DeviceUpdateCancelRequested), which wakes the campaign's driver: it
//     cancels the device in the Director, for a campaign it assigns, and
//     records cancelled those the Director confirms; otherwise it records
//     the device cancelled. A restart finds the request still open and
//     asks again (cancel_device.go).
//  11. A campaign that requires consent (Campaigner's approvalNeeded) moves
//     its pending devices to awaiting_consent (consent.go), those the
//     Director affects in a dry run if it has one, and sends or assigns
//     nothing for them: they are not in flight, so they neither
//     count against MaxInFlight nor time out, and a restart, which sends
//     or assigns scheduled devices again, never takes them. The devices
//     their users accept are sent or assigned like pending ones, within
//     MaxInFlight; one the Director no longer affects fails with
//     NoLongerAffected. A stop cancels them without the Director, which
//     never had them.
//  12. A campaign with a rollout policy (waves, a rate or abort rules)
//     rolls out by it (rollout.go): at each look the engine reads the
//     campaign's counters and its current wave's (a row each, never a
//     count over devices), applies the abort rules (CheckCampaignAbort),
//     advances the waves (AdvanceCampaignWaves), then sends, in page
//     order, only while the wave has room (its size less its starts) and
//     the pace allows. The pace lives in the driver: a new one begins when
//     the rate changes, a wave starts or the campaign resumes, and after a
//     restart, which may thus start one device early. Each device is
//     recorded in the wave current when it is sent or assigned. Before a
//     campaign whose devices are all done ends, the engine looks once more,
//     so that the last outcomes reach the waves and the rules. A campaign
//     without a policy is driven as before and records no wave.
//  13. A paused campaign sends nothing, assigns nothing and times nothing
//     out; its starting pipeline may go on enrolling, users' cancels of
//     devices go through, and a stop stops it.
//     Device silence counts from its latest resume at the earliest: no
//     device times out because of a pause.
//  14. A campaign with a retry policy sends its failed and timed-out
//     devices again once their backoff passed (retry.go): they go back to
//     pending, in pages, and are sent like pending devices. The campaign
//     does not end while one waits for a retry the policy will make.
//  15. A campaign whose conflict policy is queue has the devices another
//     campaign held enrolled queued; once free they are moved to pending,
//     in pages (queue.go), and sent like the others. They count as open.
package engine

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// Commands are the command handlers the engine sends to.
type Commands interface {
	Campaign(ctx context.Context, account domain.AccountID, id domain.CampaignID) (*domain.Campaign, error)
	// Manifest answers a deleted manifest as not found.
	Manifest(ctx context.Context, account domain.AccountID, id domain.ManifestID) (*domain.Manifest, error)
	AdvanceCampaign(ctx context.Context, c commands.AdvanceCampaign) (commands.Result, error)
	AllocateCampaignQuota(ctx context.Context, c commands.AllocateCampaignQuota) (commands.Result, error)
	CheckCampaignManifest(ctx context.Context, c commands.CheckCampaignManifest) (commands.Result, error)
	EnrolDevices(ctx context.Context, c commands.EnrolDevices) (commands.Result, error)
	ChangeDeviceStates(ctx context.Context, c commands.ChangeDeviceStates) (commands.Result, []domain.DeviceID, error)
	RetryDeviceUpdates(ctx context.Context, c commands.RetryDeviceUpdates) (commands.Result, []domain.DeviceID, error)
	ReleaseQueuedDevices(ctx context.Context, c commands.ReleaseQueuedDevices) (commands.Result, []domain.DeviceID, error)
	EndCampaign(ctx context.Context, c commands.EndCampaign) (commands.Result, error)
	CheckCampaignAbort(ctx context.Context, c commands.CheckCampaignAbort) (commands.Result, error)
	AdvanceCampaignWaves(ctx context.Context, c commands.AdvanceCampaignWaves) (commands.Result, time.Time, error)
	// Update answers an update of another account as not found.
	Update(ctx context.Context, account domain.AccountID, id domain.UpdateID) (*domain.Update, error)
}

// ManifestQueue puts manifest writes on the connector-channel-send-manifest
// queue, whose handler (commands.SendManifests) records and writes them:
// the one way manifests reach devices. A write that could not be
// delivered leaves the device scheduled; it is written again after a
// restart, or times out.
type ManifestQueue interface {
	// SendManifests puts the writes on the queue, the devices started in
	// the rollout wave wave (0: none). The result is the handler's when the
	// queue runs it before answering (in process), else zero.
	SendManifests(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, wave int, devices []domain.DeviceID) (commands.Result, error)
}

// Source is the global order of events.
type Source interface {
	SubscribeAll(ctx context.Context, after eventstore.Position) (eventstore.Subscription, error)
}

// interestedSource is a Source whose subscriptions can sleep through
// appends the engine does not act on (the Postgres store's). Under a
// stream of device registrations the engine then reads the global order
// a few times a second, not after each of them, so that its reading
// costs grow with what it acts on rather than with the fleet's write
// rate.
type interestedSource interface {
	SubscribeAllInterested(ctx context.Context, after eventstore.Position, interest eventstore.Interest) (eventstore.Subscription, error)
}

// Config tunes the engine.
type Config struct {
	// BatchSize is the number of devices per page (SCHEDULER_BATCH_SIZE).
	BatchSize int
	// BatchDelay is the pause between two pages (SCHEDULER_DELAY).
	BatchDelay time.Duration
	// PollInterval bounds how long a driver sleeps without a wake-up, and
	// how late a timed campaign may start (SCHEDULER_POLLING_TIMEOUT).
	PollInterval time.Duration
	// DeviceTimeout is how long a device's update may go without progress
	// before it is timed_out.
	DeviceTimeout time.Duration
	// MaxInFlight caps the devices of a campaign between "manifest sent"
	// and an outcome (SCHEDULER_MAX_IN_FLIGHT): the engine sends no more
	// until reports bring devices to an outcome, so that sends never
	// outrun what the reports and the connector can carry.
	MaxInFlight int
	// Director, when set, assigns the updates of campaigns that have one
	// (made through /api/v2) instead of the send-manifest queue; nil: every
	// campaign's manifests go through the queue (DIRECTOR_HOST unset).
	Director UpdateAssigner
	// Registry, when set, is where campaigns with device groups (made
	// through /api/v2) read their devices (devices.go); nil: from the
	// catalog, by its groups attribute (DEVICE_REGISTRY_HOST unset).
	Registry DeviceGroups
	// Logger receives the engine's log.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.BatchSize, 200)
	def(&c.MaxInFlight, DefaultMaxInFlight)
	if c.PollInterval <= 0 {
		c.PollInterval = 10 * time.Second
	}
	if c.DeviceTimeout <= 0 {
		c.DeviceTimeout = 10 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// DefaultMaxInFlight is MaxInFlight's default: a few seconds of reports at
// the rates the service takes (five reports per device).
const DefaultMaxInFlight = 20_000

// CheckpointName keys the engine's position in projection_checkpoints.
const CheckpointName = "campaign-engine"

// Engine drives the campaigns.
type Engine struct {
	cfg     Config
	cmds    Commands
	reads   Reads
	queue   ManifestQueue
	source  Source
	waitFor func(ctx context.Context, pos eventstore.Position) error
	now     func() time.Time

	timeoutClock func() time.Time // silence is measured by it

	started time.Time // when Run began: timeouts count from then at the earliest

	mu          sync.Mutex
	seen        eventstore.Position // last event dispatched
	drivers     map[domain.CampaignID]*driver
	quarantined map[domain.CampaignID]bool // not driven: see quarantine.go
	retrying    map[domain.CampaignID]bool // driven again on an operator's retry, not released yet
	wg          sync.WaitGroup

	quarantines atomic.Int64 // campaigns quarantined since the engine was made
}

// New returns an engine. waitFor blocks until the read models reflect a
// position (the projection runner's WaitFor). now is the engine's clock;
// timeoutClock measures device silence: in the service commands.Intake's
// clock, which stays behind while reports wait to be recorded, so that no
// device times out because the service lags. It is an argument, not an
// option, so that wiring cannot forget it.
func New(cfg Config, cmds Commands, reads Reads, queue ManifestQueue, source Source,
	waitFor func(ctx context.Context, pos eventstore.Position) error, now, timeoutClock func() time.Time) *Engine {
	return &Engine{cfg: cfg.withDefaults(), cmds: cmds, reads: reads, queue: queue, source: source,
		waitFor: waitFor, now: now, timeoutClock: timeoutClock, drivers: map[domain.CampaignID]*driver{},
		quarantined: map[domain.CampaignID]bool{}, retrying: map[domain.CampaignID]bool{}}
}
