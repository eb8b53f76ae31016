package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// DeleteCampaign deletes a draft, stopped or archived campaign, as Pelion
// allowed; a running one is refused (stop it first). Its events stay: the
// history of a deleted campaign is still read.
type DeleteCampaign struct {
	Meta
	CampaignID domain.CampaignID
}

// DeleteCampaign handles DeleteCampaign.
func (h *Handlers) DeleteCampaign(ctx context.Context, c DeleteCampaign) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.CampaignStream(c.CampaignID), domain.LoadCampaign, func(cp *domain.Campaign) error {
		if err := ownCampaign(cp, c.Meta, c.CampaignID); err != nil {
			return err
		}
		return cp.Delete(h.now())
	})
	return res, failed("DeleteCampaign", err)
}
