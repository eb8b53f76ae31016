package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// CheckCampaignAbort applies an active campaign's abort rules to its
// tallies (Campaign rule 19): the first rule that matches stops the
// campaign as autostopped with the rule's reason, or pauses it. The engine
// sends it at each look; it carries no command id, as the campaign's
// state makes a repeat record nothing.
type CheckCampaignAbort struct {
	Meta
	CampaignID domain.CampaignID
	// Campaign and Wave are the outcomes of the campaign's devices and of
	// its current wave's, read from their counters.
	Campaign, Wave domain.Tally
}

// CheckCampaignAbort handles CheckCampaignAbort.
func (h *Handlers) CheckCampaignAbort(ctx context.Context, c CheckCampaignAbort) (Result, error) {
	return update(ctx, h, c.Meta, domain.CampaignStream(c.CampaignID), domain.LoadCampaign, func(cp *domain.Campaign) error {
		if err := ownCampaign(cp, c.Meta, c.CampaignID); err != nil {
			return err
		}
		return cp.CheckAbort(c.Campaign, c.Wave, h.now())
	})
}
