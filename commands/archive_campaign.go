package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// ArchiveCampaign archives a stopped campaign. Its history and statistics
// stay; it can never run again.
type ArchiveCampaign struct {
	Meta
	CampaignID domain.CampaignID
}

// ArchiveCampaign handles ArchiveCampaign.
func (h *Handlers) ArchiveCampaign(ctx context.Context, c ArchiveCampaign) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.CampaignStream(c.CampaignID), domain.LoadCampaign, func(cp *domain.Campaign) error {
		if err := ownCampaign(cp, c.Meta, c.CampaignID); err != nil {
			return err
		}
		return cp.Archive(h.now())
	})
	return res, failed("ArchiveCampaign", err)
}
