package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// driver moves one campaign through its pipeline.
type driver struct {
	e        *Engine
	account  domain.AccountID
	id       domain.CampaignID
	wakeCh   chan struct{}
	mu       sync.Mutex
	cancel   context.CancelFunc // of the step in progress
	resent   bool               // scheduled devices were sent again after (re)start
	nextPage time.Time          // no device page before this time (BatchDelay)
	// pendingAfter is the last device sent to: the next page of pending
	// devices starts after it. Read from the start each time, the page
	// query would walk the index entries of every device that has left
	// pending and is not vacuumed yet: up to the whole fleet.
	pendingAfter domain.DeviceID
	// awaitAfter is pendingAfter of the pages moved to awaiting_consent,
	// for the same reason; pendingAfter then pages accepted devices.
	awaitAfter domain.DeviceID
	written    eventstore.Position // the last event this driver's own commands appended
	mtu        string              // the update source id the Director assigns; "": the queue sends
	wave       int                 // the rollout wave the devices sent now start in; 0: none
	pace       domain.Pace         // the pace devices start at (rollout.go)
	paceKey    paceKey             // what began the pace
	// cancelAsked are the devices whose requested cancel this run handled:
	// each is asked about once per run (cancel_device.go).
	cancelAsked map[domain.DeviceID]bool
	// retryWaiting says a device waits for a retry its campaign's policy
	// will make (retry.go): the campaign does not end yet.
	retryWaiting bool
}

// drive returns the campaign's driver, starting it when there is none;
// nil for a campaign in quarantine.
func (e *Engine) drive(ctx context.Context, account domain.AccountID, id domain.CampaignID) *driver {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.quarantined[id] {
		return nil
	}
	if d, ok := e.drivers[id]; ok {
		d.wake()
		return d
	}
	d := &driver{e: e, account: account, id: id, wakeCh: make(chan struct{}, 1)}
	e.drivers[id] = d
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		d.run(ctx)
	}()
	return d
}

func (d *driver) wake() {
	select {
	case d.wakeCh <- struct{}{}:
	default:
	}
}

// interrupt cancels the step in progress (sends to a stopping campaign).
func (d *driver) interrupt() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cancel != nil {
		d.cancel()
	}
	d.wake()
}

// run loops over steps until the campaign has no more work for the engine.
func (d *driver) run(ctx context.Context) {
	log := d.e.cfg.Logger.With("campaign", d.id)
	backoff, faults := time.Second, 0
	for ctx.Err() == nil {
		stepCtx, cancel := context.WithCancel(ctx)
		d.mu.Lock()
		d.cancel = cancel
		d.mu.Unlock()
		wait, done, err := d.safeStep(stepCtx)
		cancel()
		if err == nil {
			faults = 0
			d.stepSucceeded(ctx)
		}
		switch {
		case done && err == nil:
			if d.retire() {
				return
			}
		case errors.Is(err, errReadModelBehind):
			// Not a failure: look again shortly, without backing off.
			wait = 50 * time.Millisecond
		case err != nil && !errors.Is(err, context.Canceled):
			if w := faultWeight(err); w > 0 {
				faults += w
			} else {
				faults = 0
			}
			if faults >= faultsBeforeQuarantine && d.quarantine(ctx, err) {
				return
			}
			log.Warn("engine: campaign step failed; retrying", "error", err, "in", backoff)
			wait, backoff = backoff, min(backoff*2, 30*time.Second)
		default:
			backoff = time.Second
		}
		if wait > 0 {
			d.sleep(ctx, wait)
		}
	}
}

// retire removes the driver unless a wake-up came in since its last step:
// an event dispatched before the removal would otherwise be lost, one
// dispatched after it starts a new driver.
func (d *driver) retire() bool {
	d.e.mu.Lock()
	defer d.e.mu.Unlock()
	select {
	case <-d.wakeCh:
		return false
	default:
		delete(d.e.drivers, d.id)
		return true
	}
}

// sleep waits for a wake-up, the duration or the end of ctx.
func (d *driver) sleep(ctx context.Context, wait time.Duration) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-d.wakeCh:
	}
}

// step performs the campaign's next step. It returns how long to wait
// before the next one (0: at once) and done when the engine has nothing
// more to do for the campaign.
func (d *driver) step(ctx context.Context) (wait time.Duration, done bool, err error) {
	cp, err := d.e.cmds.Campaign(ctx, d.account, d.id)
	var notFound domain.NotFoundError
	if errors.As(err, &notFound) {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, err
	}
	if cp.Phase() == domain.PhaseTimed || cp.Phase() == domain.PhaseStarting || cp.Phase() == domain.PhaseActive {
		if removed, err := d.manifestRemoved(ctx, cp); removed || err != nil {
			return 0, false, err
		}
	}
	switch cp.Phase() {
	case domain.PhaseTimed:
		return d.timed(ctx, cp)
	case domain.PhaseStarting:
		return d.starting(ctx, cp)
	case domain.PhaseActive:
		return d.deliver(ctx, cp)
	case domain.PhaseStopping:
		return d.stopping(ctx, cp)
	case domain.PhaseDraft, domain.PhaseAwaitingApproval, domain.PhaseStopped, domain.PhaseArchived, domain.PhaseDeleted:
		return 0, true, nil
	}
	return 0, true, nil
}

// wrote records where a command of this driver left its events.
func (d *driver) wrote(res commands.Result) {
	if d.written.Less(res.Position) {
		d.written = res.Position
	}
}

// caughtUp waits until the read models reflect every event the engine has
// followed and every event this driver's own commands appended. The
// follower may not have reached the driver's latest writes yet: read
// without them, a campaign whose last page was just enrolled would show
// no open device and end at once.
func (d *driver) caughtUp(ctx context.Context) error {
	pos := d.e.Position()
	if pos.Less(d.written) {
		pos = d.written
	}
	return d.e.waitFor(ctx, pos)
}
