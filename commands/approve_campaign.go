package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// ApproveCampaign approves a campaign that awaits approval: it goes on to
// timed or starting, as a start without approval would have.
type ApproveCampaign struct {
	Meta
	CampaignID domain.CampaignID
}

// ApproveCampaign handles ApproveCampaign.
func (h *Handlers) ApproveCampaign(ctx context.Context, c ApproveCampaign) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.CampaignStream(c.CampaignID), domain.LoadCampaign, func(cp *domain.Campaign) error {
		if err := ownCampaign(cp, c.Meta, c.CampaignID); err != nil {
			return err
		}
		return cp.Approve(h.now())
	})
	return res, failed("ApproveCampaign", err)
}
