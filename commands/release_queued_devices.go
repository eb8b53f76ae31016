package commands

import (
	"context"
	"errors"

	"github.com/updateservice/updateservice/domain"
)

// ReleaseQueuedDevices moves a campaign's queued devices (conflict policy
// queue) to pending once the campaign that held each of them is over for
// it (Device rule 10): the engine's releases, a page of devices in one
// append. A device still held, or no longer queued, is left as it is, so
// the command can be repeated safely.
type ReleaseQueuedDevices struct {
	Meta
	CampaignID domain.CampaignID
	Devices    []domain.DeviceID
}

// ReleaseQueuedDevices handles ReleaseQueuedDevices. It returns the
// devices released.
func (h *Handlers) ReleaseQueuedDevices(ctx context.Context, c ReleaseQueuedDevices) (Result, []domain.DeviceID, error) {
	if _, err := h.Campaign(ctx, c.Account, c.CampaignID); err != nil {
		return Result{}, nil, failed("ReleaseQueuedDevices", err)
	}
	var released []domain.DeviceID
	res, err := retry(ctx, func() (Result, error) {
		released = released[:0]
		return h.changeDevices(ctx, c.Meta, c.CampaignID, c.Devices, func(d *domain.Device, _ domain.DeviceUpdate) (bool, error) {
			err := d.ReleaseQueued(c.CampaignID, h.now())
			var held domain.ConflictError
			if errors.As(err, &held) {
				return false, nil // another campaign still holds it: it stays queued
			}
			if err == nil {
				released = append(released, d.ID())
			}
			return err == nil, err
		})
	})
	return res, released, failed("ReleaseQueuedDevices", err)
}
