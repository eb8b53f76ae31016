package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// ResumeCampaign resumes a paused campaign, whoever paused it: a user, an
// abort rule (which is then disarmed) or a wave below its threshold (whose
// next wave may then start). Resuming one that is not paused is refused.
type ResumeCampaign struct {
	Meta
	CampaignID domain.CampaignID
}

// ResumeCampaign handles ResumeCampaign.
func (h *Handlers) ResumeCampaign(ctx context.Context, c ResumeCampaign) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.CampaignStream(c.CampaignID), domain.LoadCampaign, func(cp *domain.Campaign) error {
		if err := ownCampaign(cp, c.Meta, c.CampaignID); err != nil {
			return err
		}
		return cp.Resume(h.now())
	})
	return res, failed("ResumeCampaign", err)
}
