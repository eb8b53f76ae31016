package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// StartCampaign asks to start a draft campaign: it waits for approval, for
// its start time, or starts at once; the campaign engine takes it from there.
type StartCampaign struct {
	Meta
	CampaignID domain.CampaignID
}

// StartCampaign handles StartCampaign.
func (h *Handlers) StartCampaign(ctx context.Context, c StartCampaign) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.CampaignStream(c.CampaignID), domain.LoadCampaign, func(cp *domain.Campaign) error {
		if err := ownCampaign(cp, c.Meta, c.CampaignID); err != nil {
			return err
		}
		return cp.RequestStart(h.now())
	})
	return res, failed("StartCampaign", err)
}

// ownCampaign answers not found for a campaign that does not exist or
// belongs to another account: callers never learn of other accounts' objects.
func ownCampaign(cp *domain.Campaign, meta Meta, id domain.CampaignID) error {
	if cp.ID() == "" || cp.AccountID() != meta.Account {
		return domain.NotFoundError{Object: "campaign", ID: string(id)}
	}
	return nil
}
