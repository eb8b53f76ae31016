package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// ManifestSender writes a manifest to a device of account through the
// device connector, under the async id its answer will carry. The write
// goes out with that account's connector credentials and never another's.
// An error with a `Permanent() bool` method returning true will not
// succeed on retry (an account without connector credentials among them);
// any other error may.
type ManifestSender interface {
	SendManifest(ctx context.Context, account domain.AccountID, device domain.DeviceID, asyncID string, manifest []byte) error
}

// SendManifests writes a campaign's manifest to devices: the
// connector-channel-send-manifest step, the one way manifests reach
// devices. Each device's write is recorded first (pending → scheduled
// with its async id; a device scheduled already is written again, as a
// crash may have come between record and write), then written; a write
// the connector refuses, or that stays unreachable after
// ManifestSendAttempts tries, is recorded as failed_connector_channel_update.
type SendManifests struct {
	Meta
	CampaignID domain.CampaignID
	Devices    []domain.DeviceID
	// Wave is the rollout wave the devices start in; 0: none.
	Wave int
}

// ManifestSendAttempts bounds the tries of one write on temporary
// connector errors, with backoff from 100ms doubling to 3.2s: about six
// seconds before the device is given up as unreachable.
const ManifestSendAttempts = 6

// manifestWritesAtOnce bounds the writes of one command in flight at once.
const manifestWritesAtOnce = 32

// SendManifests handles SendManifests through sender. It returns the
// devices written to; devices with nothing to receive (not in the
// campaign, or past the write) are left out, and a command where no
// device has anything to receive is a domain.ConflictError.
func (h *Handlers) SendManifests(ctx context.Context, sender ManifestSender, c SendManifests) (Result, []domain.DeviceID, error) {
	// The payload comes first: a deleted manifest is not found, so a send
	// of it (a message queued before the deletion, or a restarted engine's
	// send again) records nothing and writes nothing.
	payload, err := h.ManifestWrite(ctx, c.Account, c.CampaignID)
	if err != nil {
		return Result{}, nil, failed("SendManifests", err)
	}
	// The record decides by the update's state, and must decide again on a
	// redelivery, so it goes without the command id.
	record := c.Meta
	record.CommandID = ""
	res, scheduled, err := h.RecordManifestsSent(ctx, RecordManifestsSent{Meta: record, CampaignID: c.CampaignID, Devices: c.Devices, Wave: c.Wave})
	if err != nil {
		return res, nil, failed("SendManifests", err)
	}
	if len(scheduled) == 0 {
		return res, nil, failed("SendManifests", domain.ConflictError{Reason: fmt.Sprintf("no device of %d has a manifest to receive in campaign %s", len(c.Devices), c.CampaignID)})
	}
	refused := h.write(ctx, sender, c.Account, c.CampaignID, scheduled, payload)
	if err := ctx.Err(); err != nil {
		return res, nil, err
	}
	for reason, devices := range refused {
		failedMeta := c.Meta
		if failedMeta.CommandID != "" {
			failedMeta.CommandID += "/send-failed/" + reason
		}
		res, _, err = h.ChangeDeviceStates(ctx, ChangeDeviceStates{Meta: failedMeta, CampaignID: c.CampaignID, Devices: devices,
			From: []domain.UpdateState{domain.UpdateScheduled}, Change: domain.UpdateChange{To: domain.UpdateFailedConnectorChannelUpdate, Reason: reason}})
		if err != nil {
			return res, nil, failed("SendManifests", err)
		}
	}
	return res, scheduled, nil
}

// write writes payload to the devices, manifestWritesAtOnce at a time, and
// returns the devices given up, by reason. A write that panics (a bug)
// panics again in the caller's goroutine once the others are done, where
// the caller's recovery (the queues' middleware) can take it: in a
// goroutine of its own it would end the process.
func (h *Handlers) write(ctx context.Context, sender ManifestSender, account domain.AccountID, campaign domain.CampaignID, devices []domain.DeviceID, payload []byte) map[string][]domain.DeviceID {
	var (
		mu       sync.Mutex
		refused  = map[string][]domain.DeviceID{}
		wg       sync.WaitGroup
		slots    = make(chan struct{}, manifestWritesAtOnce)
		panicked any
	)
	for _, dev := range devices {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					mu.Lock()
					panicked = cmp.Or(panicked, p)
					mu.Unlock()
				}
				<-slots
			}()
			if err := writeOne(ctx, sender, account, dev, domain.AsyncID(account, campaign, dev), payload); err != nil && ctx.Err() == nil {
				reason := "device connector: " + err.Error()
				mu.Lock()
				refused[reason] = append(refused[reason], dev)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
	return refused
}

// writeOne writes to one device, retrying temporary errors with backoff.
func writeOne(ctx context.Context, sender ManifestSender, account domain.AccountID, dev domain.DeviceID, asyncID string, payload []byte) error {
	backoff := 100 * time.Millisecond
	var err error
	for attempt := 1; attempt <= ManifestSendAttempts; attempt++ {
		err = sender.SendManifest(ctx, account, dev, asyncID, payload)
		var permanent interface{ Permanent() bool }
		if err == nil || (errors.As(err, &permanent) && permanent.Permanent()) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff *= 2
	}
	return err
}
