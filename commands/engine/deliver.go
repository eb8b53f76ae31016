package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// inFlight are the update states between enrolment and an outcome.
var inFlight = []domain.UpdateState{domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel,
	domain.UpdateDownloading, domain.UpdateInstalling}

// activePoll is how often an active campaign with open devices looks at
// its counters: to send to more devices as others reach an outcome, to time
// out silent ones, and to end once every device has an outcome.
const activePoll = 250 * time.Millisecond

// open are the update states a stop cancels: in flight, or not sent yet.
var open = append([]domain.UpdateState{domain.UpdatePending, domain.UpdateQueued, domain.UpdateAwaitingConsent, domain.UpdateAccepted}, inFlight...)

// deliver is an active campaign's step: settle users' cancels of devices,
// send manifests to pending devices (to accepted ones, in a campaign that
// requires consent, whose pending devices await consent first) as its
// rollout allows, time out silent ones, put back to pending the devices
// the retry policy sends again and the queued ones now free, and finish
// once every device has an outcome. Of a paused campaign it settles the
// cancels alone.
func (d *driver) deliver(ctx context.Context, cp *domain.Campaign) (time.Duration, bool, error) {
	if err := d.caughtUp(ctx); err != nil {
		return 0, false, err
	}
	if _, err := d.director(ctx, cp); err != nil {
		return 0, false, err
	}
	if _, paused := cp.Paused(); paused {
		// Nothing is sent, assigned or timed out (rule 13); a user's cancel
		// of a device still goes through. A resume or a stop wakes the driver.
		return d.e.cfg.PollInterval, false, d.cancelRequested(ctx)
	}
	if !d.resent {
		if err := d.resendScheduled(ctx); err != nil {
			return 0, false, err
		}
		d.resent = true
	}
	if err := d.cancelRequested(ctx); err != nil {
		return 0, false, err
	}
	ready := domain.UpdatePending
	if cp.ConsentRequired() {
		ready = domain.UpdateAccepted
		if n, err := d.awaitConsent(ctx); err != nil || n > 0 {
			return 0, false, err
		}
	}
	// Before the rollout's look: a device waiting for its retry keeps its
	// wave open (rollout.go).
	if err := d.backToPending(ctx, cp); err != nil {
		return 0, false, err
	}
	room, wait, moved, err := d.rollout(ctx, cp)
	if err != nil || moved {
		return 0, false, err
	}
	d.wave, _ = cp.Wave()
	sent, err := d.sendPending(ctx, ready, room)
	if err != nil || sent > 0 {
		return 0, false, err
	}
	if err := d.timeOut(ctx, cp); err != nil {
		return 0, false, err
	}
	// finishIfDone looks for retries after it reads the counters, the
	// devices just timed out included.
	next, done, err := d.finishIfDone(ctx, cp)
	if wait > 0 && next > 0 {
		next = min(next, wait)
	}
	return next, done, err
}

// sendPending sends the manifest to one page of devices in state ready
// (pending, or accepted), as many as MaxInFlight and the rollout's room
// leave room for; it returns how many it handled.
func (d *driver) sendPending(ctx context.Context, ready domain.UpdateState, rollout int) (int, error) {
	if rollout <= 0 {
		return 0, nil
	}
	p, err := d.e.reads.CampaignProgress(ctx, d.id)
	if err != nil {
		return 0, err
	}
	room := min(int64(d.e.cfg.BatchSize), int64(d.e.cfg.MaxInFlight)-p.InFlight, int64(rollout))
	if room <= 0 {
		return 0, nil // the driver looks again after activePoll
	}
	pending, err := d.pageIn(ctx, ready, &d.pendingAfter, int(room))
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	if err := d.deliverPage(ctx, pending, ready); err != nil {
		return 0, err
	}
	d.pendingAfter = pending[len(pending)-1]
	return len(pending), nil
}

// pageIn reads up to limit devices in state after the cursor, and from
// the start when none is left after it: devices behind the cursor may be
// in state still (a page sent again, or accepted since). The caller moves
// the cursor once it has handled the page.
func (d *driver) pageIn(ctx context.Context, state domain.UpdateState, cursor *domain.DeviceID, limit int) ([]domain.DeviceID, error) {
	states := []domain.UpdateState{state}
	page, err := d.e.reads.CampaignDevicesInStates(ctx, d.id, states, *cursor, limit)
	if err == nil && len(page) == 0 && *cursor != "" {
		*cursor = ""
		page, err = d.e.reads.CampaignDevicesInStates(ctx, d.id, states, "", limit)
	}
	return page, err
}

// deliverPage sends the manifest to devices in state ready, or assigns
// them the update in the Director. A Director page that fails half-way
// leaves devices scheduled: they are assigned again at the next step.
func (d *driver) deliverPage(ctx context.Context, pending []domain.DeviceID, ready domain.UpdateState) error {
	if d.mtu == "" {
		return d.send(ctx, pending)
	}
	err := d.assign(ctx, pending, ready)
	if err != nil {
		d.resent = false
	}
	return err
}

// errSendUnseen says the send-manifest queue's records of a page did not
// show within sendSeenWithin: its message waits in a backlog, or failed.
// The step is tried again with backoff, sending the page again, which
// records nothing twice and writes the manifest again.
var errSendUnseen = errors.New("engine: the records of manifest writes put on the queue do not show")

// sendSeenWithin bounds the wait for a page's records on Kafka.
const sendSeenWithin = time.Minute

// sent waits until the read models show the devices' writes recorded, so
// that the next page does not list them as pending again, nor counts them
// out of flight. The queue's answer has the record's position in process;
// on Kafka the engine looks at the devices until the record shows.
func (d *driver) sent(ctx context.Context, res commands.Result, devices []domain.DeviceID) error {
	if res.Position != (eventstore.Position{}) {
		d.wrote(res)
		return d.e.waitFor(ctx, res.Position)
	}
	deadline := time.Now().Add(sendSeenWithin)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		if time.Now().After(deadline) {
			return errSendUnseen
		}
		still, err := d.e.reads.CampaignDevicesInStates(ctx, d.id, []domain.UpdateState{domain.UpdatePending, domain.UpdateAccepted}, "", len(devices))
		if err != nil || !overlaps(still, devices) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// overlaps reports whether a and b share a device.
func overlaps(a, b []domain.DeviceID) bool {
	in := make(map[domain.DeviceID]bool, len(a))
	for _, id := range a {
		in[id] = true
	}
	return slices.ContainsFunc(b, func(id domain.DeviceID) bool { return in[id] })
}

// resendScheduled sends the manifest again to devices recorded as sent
// that never answered: a crash may have come between record and send.
// In the Director, it assigns them again (reassign).
func (d *driver) resendScheduled(ctx context.Context) error {
	var after domain.DeviceID
	for {
		page, err := d.e.reads.CampaignDevicesInStates(ctx, d.id, []domain.UpdateState{domain.UpdateScheduled}, after, d.e.cfg.BatchSize)
		if err != nil || len(page) == 0 {
			return err
		}
		send := d.send
		if d.mtu != "" {
			send = d.reassign
		}
		if err := send(ctx, page); err != nil {
			return err
		}
		after = page[len(page)-1]
	}
}

// send puts the devices' manifest writes on the send-manifest queue, in
// messages of at most sendBatch devices, each waited for until its record
// shows in the read models. The queue's handler records each write before
// it makes it.
func (d *driver) send(ctx context.Context, devices []domain.DeviceID) error {
	for len(devices) > 0 {
		n := min(len(devices), sendBatch)
		res, err := d.e.queue.SendManifests(ctx, d.account, d.id, d.wave, devices[:n])
		if err == nil {
			err = d.sent(ctx, res, devices[:n])
		}
		if err != nil {
			return err
		}
		devices = devices[n:]
	}
	return nil
}

// sendBatch is the most devices of one send-manifest message: the queue's
// limit.
const sendBatch = 1000

// timeOut marks devices whose update made no progress for DeviceTimeout
// on the timeout clock, which waits while reports wait to be recorded.
// Until the engine itself has run that long, and as long since the
// campaign was last resumed, it marks none: silence while the service was
// down (or its queues were rebalancing), or the campaign paused, is not
// the device's. Its command's id names the step's time: a device retried
// (retry.go) may time out again, in another command.
func (d *driver) timeOut(ctx context.Context, cp *domain.Campaign) error {
	before := d.e.timeoutClock().Add(-d.e.cfg.DeviceTimeout)
	if before.Before(d.e.started) || before.Before(cp.ResumedAt()) {
		return nil
	}
	for {
		stale, err := d.e.reads.StaleCampaignDevices(ctx, d.id, inFlight, before, 1000)
		if err != nil || len(stale) == 0 {
			return err
		}
		res, _, err := d.e.cmds.ChangeDeviceStates(ctx, commands.ChangeDeviceStates{Meta: d.meta("timeout", d.e.now().UnixNano()), CampaignID: d.id,
			Devices: stale, From: inFlight, Change: domain.UpdateChange{To: domain.UpdateTimedOut,
				Reason: fmt.Sprintf("no progress for %s", d.e.cfg.DeviceTimeout)}})
		if err != nil {
			return err
		}
		if err := d.e.waitFor(ctx, res.Position); err != nil {
			return err
		}
		if len(stale) < 1000 {
			return nil
		}
	}
}

// finishIfDone ends the campaign when no device is open any more nor
// waits for a retry, or when autostop's success share is reached;
// otherwise it waits for events.
func (d *driver) finishIfDone(ctx context.Context, cp *domain.Campaign) (time.Duration, bool, error) {
	p, err := d.e.reads.CampaignProgress(ctx, d.id)
	if err != nil {
		return 0, false, err
	}
	// Retries after the counters are read: a device that failed since the
	// last look keeps the campaign from ending (retry.go).
	if retried, err := d.retryEnded(ctx, cp); err != nil || retried {
		return 0, false, err
	}
	outcome := domain.StateDeployed
	autostop := cp.Autostop() && cp.AutostopSuccessPercent() < 100 && p.Enrolled > 0 &&
		float64(p.Deployed)*100 >= cp.AutostopSuccessPercent()*float64(p.Enrolled)
	switch {
	case p.Open == 0 && !d.retryWaiting:
		// The last outcomes may have come after the rollout's look: it
		// looks once more, so that a wave's success or pause and the
		// abort rules see them before the campaign ends.
		if _, _, moved, err := d.rollout(ctx, cp); err != nil || moved {
			return 0, false, err
		}
	case autostop:
		outcome = domain.StateAutoStopped
		if err := d.cancelOpen(ctx, cp, domain.UpdateCancelled, "autostopped: success share reached"); err != nil {
			return 0, false, err
		}
	default:
		// Reports do not wake the driver (see actsOn): it looks again
		// after activePoll, which also bounds how late timeouts are found.
		return min(d.e.cfg.PollInterval, activePoll, d.e.cfg.DeviceTimeout/2+time.Millisecond), false, nil
	}
	_, err = d.e.cmds.EndCampaign(ctx, commands.EndCampaign{Meta: d.meta("end"), CampaignID: d.id, Outcome: outcome})
	return 0, false, err
}
