package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// ErrNotYetKnown says an async response arrived before the send it answers
// was recorded: the connector can answer faster than the engine records
// the send. The caller retries the command later and never drops it, or
// the device's update would wait for a response that already came.
var ErrNotYetKnown = errors.New("the manifest send this answers is not recorded yet")

// HandleAsyncResponse records the device connector's answer to a manifest
// send: a 2xx status means the manifest reached the device
// (updated_connector_channel), anything else that it did not
// (failed_connector_channel_update, with Error as the reason).
type HandleAsyncResponse struct {
	Meta
	// AsyncID is the id the send used, made by AsyncID.
	AsyncID string
	// Status is the HTTP-like status the connector reported.
	Status int
	// Error is the connector's error text, if any.
	Error string
}

// HandleAsyncResponse handles HandleAsyncResponse. An update already past
// the send (a repeated response, or device notifications that came first)
// records nothing. An update still pending answers an error wrapping
// ErrNotYetKnown.
func (h *Handlers) HandleAsyncResponse(ctx context.Context, c HandleAsyncResponse) (Result, error) {
	campaign, device, ok := domain.ParseAsyncID(c.AsyncID)
	if !ok {
		return Result{}, failed("HandleAsyncResponse", domain.InvalidError{Field: "id", Reason: fmt.Sprintf("%q is not an async id of this service", c.AsyncID)})
	}
	res, err := update(ctx, h, c.Meta, domain.DeviceStream(c.Account, device), domain.LoadDevice, func(d *domain.Device) error {
		if err := ownDevice(d, c.Meta, device); err != nil {
			return err
		}
		u, ok := d.Update(campaign)
		if !ok {
			return domain.NotFoundError{Object: "device update", ID: string(device) + " in campaign " + string(campaign)}
		}
		switch u.State {
		case domain.UpdatePending:
			return fmt.Errorf("async response %s: %w", c.AsyncID, ErrNotYetKnown)
		case domain.UpdateScheduled:
			return d.ChangeUpdateState(campaign, c.change(), h.now())
		default:
			return nil // past the send: this response is a repeat or came after the device's own reports
		}
	})
	return res, failed("HandleAsyncResponse", err)
}

// change is the step of the update the response reports.
func (c HandleAsyncResponse) change() domain.UpdateChange {
	if c.Status >= 200 && c.Status < 300 {
		return domain.UpdateChange{To: domain.UpdateUpdatedConnectorChannel, Reason: "manifest delivered", AsyncID: c.AsyncID}
	}
	reason := c.Error
	if reason == "" {
		reason = fmt.Sprintf("device connector answered status %d", c.Status)
	}
	return domain.UpdateChange{To: domain.UpdateFailedConnectorChannelUpdate, Reason: reason, AsyncID: c.AsyncID}
}
