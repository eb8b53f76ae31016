package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// CancelCampaign is Campaigner's cancel of a campaign: a prepared one
// (draft) stops at once, and any other is stopped as StopCampaign stops
// it; either way it reads cancelled at once and never finishes.
type CancelCampaign struct {
	Meta
	CampaignID domain.CampaignID
}

// CancelCampaign handles CancelCampaign.
func (h *Handlers) CancelCampaign(ctx context.Context, c CancelCampaign) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.CampaignStream(c.CampaignID), domain.LoadCampaign, func(cp *domain.Campaign) error {
		if err := ownCampaign(cp, c.Meta, c.CampaignID); err != nil {
			return err
		}
		return cp.Cancel(h.now())
	})
	return res, failed("CancelCampaign", err)
}
