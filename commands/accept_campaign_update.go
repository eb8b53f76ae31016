package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// AcceptCampaignUpdate is a device's user's consent to the device's update
// in a campaign that requires it (Campaigner's campaign_accepted device
// event): the update awaiting consent becomes accepted, and the engine
// sends or assigns it next. Accepting again changes nothing; an update not
// awaiting consent is a domain.NotAwaitingConsentError; a device without an
// update in the campaign, of another account or unknown, is not found.
type AcceptCampaignUpdate struct {
	Meta
	CampaignID domain.CampaignID
	DeviceID   domain.DeviceID
}

// acceptedByUser is the reason the history shows for a user's consent.
const acceptedByUser = "accepted by its user"

// AcceptCampaignUpdate handles AcceptCampaignUpdate.
func (h *Handlers) AcceptCampaignUpdate(ctx context.Context, c AcceptCampaignUpdate) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.DeviceStream(c.Account, c.DeviceID), domain.LoadDevice, func(d *domain.Device) error {
		if err := ownDevice(d, c.Meta, c.DeviceID); err != nil {
			return err
		}
		return d.AcceptUpdate(c.CampaignID, acceptedByUser, h.now())
	})
	return res, failed("AcceptCampaignUpdate", err)
}
