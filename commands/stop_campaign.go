package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// StopCampaign is a user's stop of a campaign (state userstopped). One
// that awaits approval or its time stops at once; one that is starting or
// active goes to stopping, and the campaign engine stops sending and
// completes the stop. Asking again while stopping records nothing.
type StopCampaign struct {
	Meta
	CampaignID domain.CampaignID
}

// StopCampaign handles StopCampaign.
func (h *Handlers) StopCampaign(ctx context.Context, c StopCampaign) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.CampaignStream(c.CampaignID), domain.LoadCampaign, func(cp *domain.Campaign) error {
		if err := ownCampaign(cp, c.Meta, c.CampaignID); err != nil {
			return err
		}
		return cp.RequestStop(domain.StateUserStopped, h.now())
	})
	return res, failed("StopCampaign", err)
}
