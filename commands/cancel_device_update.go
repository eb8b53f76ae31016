package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// CancelDeviceUpdate is a user's cancel of one device of a campaign
// (Campaigner's DELETE of a campaign's device): a pending update ends
// cancelled; one under way records the request, which the campaign engine
// settles (in the Director for a campaign it assigns); a finished one
// stays as it ended. A device without an update in the campaign, of
// another account or unknown, is not found.
type CancelDeviceUpdate struct {
	Meta
	CampaignID domain.CampaignID
	DeviceID   domain.DeviceID
}

// cancelledByUser is the reason the history shows for a user's cancel.
const cancelledByUser = "cancelled by its user"

// CancelDeviceUpdate handles CancelDeviceUpdate.
func (h *Handlers) CancelDeviceUpdate(ctx context.Context, c CancelDeviceUpdate) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.DeviceStream(c.Account, c.DeviceID), domain.LoadDevice, func(d *domain.Device) error {
		if err := ownDevice(d, c.Meta, c.DeviceID); err != nil {
			return err
		}
		return d.CancelUpdate(c.CampaignID, cancelledByUser, h.now())
	})
	return res, failed("CancelDeviceUpdate", err)
}
