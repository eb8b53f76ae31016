package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// inFlight are the update states between enrolment and an outcome.
var inFlight = []domain.UpdateState{domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel,
	domain.UpdateDownloading, domain.UpdateInstalling}

// open are the update states a stop cancels.
var open = append([]domain.UpdateState{domain.UpdatePending}, inFlight...)

// deliver is an active campaign's step: send manifests to pending devices,
// time out silent ones, and finish once every device has an outcome.
func (d *driver) deliver(ctx context.Context, cp *domain.Campaign) (time.Duration, bool, error) {
	if err := d.caughtUp(ctx); err != nil {
		return 0, false, err
	}
	if !d.resent {
		if err := d.resendScheduled(ctx); err != nil {
			return 0, false, err
		}
		d.resent = true
	}
	sent, err := d.sendPending(ctx)
	if err != nil || sent > 0 {
		return 0, false, err
	}
	if err := d.timeOut(ctx); err != nil {
		return 0, false, err
	}
	return d.finishIfDone(ctx, cp)
}

// sendPending records and sends the manifest to one page of pending
// devices; it returns how many it handled.
func (d *driver) sendPending(ctx context.Context) (int, error) {
	pending, err := d.e.reads.CampaignDevicesInStates(ctx, d.id, []domain.UpdateState{domain.UpdatePending}, "", d.e.cfg.BatchSize)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	res, scheduled, err := d.e.cmds.RecordManifestsSent(ctx, commands.RecordManifestsSent{Meta: d.meta("send"), CampaignID: d.id, Devices: pending})
	if err != nil {
		return 0, err
	}
	if len(scheduled) == 0 {
		return 0, errReadModelBehind
	}
	// The next page must not list these devices as pending again.
	if err := d.e.waitFor(ctx, res.Position); err != nil {
		return 0, err
	}
	return len(pending), d.send(ctx, scheduled)
}

// resendScheduled sends the manifest again to devices recorded as sent
// that never answered: a crash may have come between record and send.
func (d *driver) resendScheduled(ctx context.Context) error {
	var after domain.DeviceID
	for {
		page, err := d.e.reads.CampaignDevicesInStates(ctx, d.id, []domain.UpdateState{domain.UpdateScheduled}, after, d.e.cfg.BatchSize)
		if err != nil || len(page) == 0 {
			return err
		}
		if err := d.send(ctx, page); err != nil {
			return err
		}
		after = page[len(page)-1]
	}
}

// send writes the manifest to the devices, SendConcurrency at a time.
// Devices the connector refuses, or that stay unreachable after
// SendAttempts tries, are recorded as failed_connector_channel_update.
func (d *driver) send(ctx context.Context, devices []domain.DeviceID) error {
	if d.e.queue != nil {
		return d.enqueue(ctx, devices)
	}
	payload, err := d.e.cmds.ManifestWrite(ctx, d.account, d.id)
	if err != nil {
		return err
	}
	var (
		mu     sync.Mutex
		failed = map[string][]domain.DeviceID{}
		wg     sync.WaitGroup
		slots  = make(chan struct{}, d.e.cfg.SendConcurrency)
	)
	for _, dev := range devices {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			if err := d.sendOne(ctx, dev, payload); err != nil && ctx.Err() == nil {
				mu.Lock()
				failed[err.Error()] = append(failed[err.Error()], dev)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for reason, devs := range failed {
		_, _, err := d.e.cmds.ChangeDeviceStates(ctx, commands.ChangeDeviceStates{Meta: d.meta("send-failed"), CampaignID: d.id,
			Devices: devs, From: []domain.UpdateState{domain.UpdateScheduled},
			Change: domain.UpdateChange{To: domain.UpdateFailedConnectorChannelUpdate, Reason: reason}})
		if err != nil {
			return err
		}
	}
	return nil
}

// enqueue puts the devices' manifest writes on the send-manifest queue,
// SendConcurrency at a time. The queue's handler retries and records a
// refused write; a write it could not deliver leaves the device scheduled,
// and the device times out.
func (d *driver) enqueue(ctx context.Context, devices []domain.DeviceID) error {
	var wg sync.WaitGroup
	slots := make(chan struct{}, d.e.cfg.SendConcurrency)
	for _, dev := range devices {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			if err := d.e.queue.SendManifest(ctx, d.account, d.id, dev); err != nil && ctx.Err() == nil {
				d.e.cfg.Logger.Warn("engine: manifest write not delivered", "campaign", d.id, "device", dev, "error", err)
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// sendOne writes the manifest to one device, retrying temporary errors
// with exponential backoff.
func (d *driver) sendOne(ctx context.Context, dev domain.DeviceID, payload []byte) error {
	backoff := 100 * time.Millisecond
	var err error
	for attempt := 1; attempt <= d.e.cfg.SendAttempts; attempt++ {
		err = d.e.sender.SendManifest(ctx, dev, domain.AsyncID(d.id, dev), payload)
		var permanent interface{ Permanent() bool }
		if err == nil || (errors.As(err, &permanent) && permanent.Permanent()) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
	if err != nil {
		return fmt.Errorf("device connector: %w", err)
	}
	return nil
}

// timeOut marks devices whose update made no progress for DeviceTimeout.
// Until the engine itself has run that long it marks none: silence while
// the service was down (or its queues were rebalancing) is not the
// device's.
func (d *driver) timeOut(ctx context.Context) error {
	before := d.e.now().Add(-d.e.cfg.DeviceTimeout)
	if before.Before(d.e.started) {
		return nil
	}
	for {
		stale, err := d.e.reads.StaleCampaignDevices(ctx, d.id, inFlight, before, 1000)
		if err != nil || len(stale) == 0 {
			return err
		}
		res, _, err := d.e.cmds.ChangeDeviceStates(ctx, commands.ChangeDeviceStates{Meta: d.meta("timeout"), CampaignID: d.id,
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

// finishIfDone ends the campaign when no device is open any more, or when
// autostop's success share is reached; otherwise it waits for events.
func (d *driver) finishIfDone(ctx context.Context, cp *domain.Campaign) (time.Duration, bool, error) {
	p, err := d.e.reads.CampaignProgress(ctx, d.id)
	if err != nil {
		return 0, false, err
	}
	outcome := domain.StateDeployed
	autostop := cp.Autostop() && cp.AutostopSuccessPercent() < 100 && p.Enrolled > 0 &&
		float64(p.Deployed)*100 >= cp.AutostopSuccessPercent()*float64(p.Enrolled)
	switch {
	case p.Open == 0:
	case autostop:
		outcome = domain.StateAutoStopped
		if err := d.cancelOpen(ctx, domain.UpdateCancelled, "autostopped: success share reached"); err != nil {
			return 0, false, err
		}
	default:
		// Device events wake the driver; the poll bounds the wait so that
		// timeouts are checked even when the fleet is silent.
		return min(d.e.cfg.PollInterval, d.e.cfg.DeviceTimeout/2+time.Millisecond), false, nil
	}
	_, err = d.e.cmds.EndCampaign(ctx, commands.EndCampaign{Meta: d.meta("end"), CampaignID: d.id, Outcome: outcome})
	return 0, false, err
}
