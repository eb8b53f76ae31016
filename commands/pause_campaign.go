package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// PauseCampaign is a user's pause of a starting or active campaign: the
// engine sends nothing and times nothing out for it until it is resumed.
// Its phase and legacy state stay what clients know. Pausing a paused
// campaign records nothing.
type PauseCampaign struct {
	Meta
	CampaignID domain.CampaignID
	// Reason is the user's note, shown as pause_reason; empty: "paused by
	// a user".
	Reason string
}

// PauseCampaign handles PauseCampaign.
func (h *Handlers) PauseCampaign(ctx context.Context, c PauseCampaign) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.CampaignStream(c.CampaignID), domain.LoadCampaign, func(cp *domain.Campaign) error {
		if err := ownCampaign(cp, c.Meta, c.CampaignID); err != nil {
			return err
		}
		return cp.Pause(c.Reason, h.now())
	})
	return res, failed("PauseCampaign", err)
}
