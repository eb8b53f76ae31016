package commands

import (
	"context"
	"errors"

	"github.com/updateservice/updateservice/domain"
)

// RetryDeviceUpdates sends a campaign's update again to devices whose
// update failed or timed out, as the campaign's retry policy says (Device
// rule 9): the engine's retries, a page of devices in one append. A
// device the policy does not retry (yet), one retried already, one in
// another active campaign meanwhile or deregistered is left as it is, so
// the command can be repeated safely. A campaign of another account is
// not found.
type RetryDeviceUpdates struct {
	Meta
	CampaignID domain.CampaignID
	Devices    []domain.DeviceID
}

// RetryDeviceUpdates handles RetryDeviceUpdates. It returns the devices
// whose update went back to pending.
func (h *Handlers) RetryDeviceUpdates(ctx context.Context, c RetryDeviceUpdates) (Result, []domain.DeviceID, error) {
	cp, err := h.Campaign(ctx, c.Account, c.CampaignID)
	if err != nil {
		return Result{}, nil, failed("RetryDeviceUpdates", err)
	}
	policy := cp.Rollout().Retry
	var retried []domain.DeviceID
	res, err := retry(ctx, func() (Result, error) {
		retried = retried[:0]
		return h.changeDevices(ctx, c.Meta, c.CampaignID, c.Devices, func(d *domain.Device, _ domain.DeviceUpdate) (bool, error) {
			err := d.RetryUpdate(c.CampaignID, policy, h.now())
			var refused domain.ConflictError
			if errors.As(err, &refused) {
				return false, nil // not due, not retried by the policy, or busy elsewhere: it stays as it ended
			}
			if err == nil {
				retried = append(retried, d.ID())
			}
			return err == nil, err
		})
	})
	return res, retried, failed("RetryDeviceUpdates", err)
}
