package commands

import (
	"context"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// AdvanceCampaignWaves records where the current wave's numbers lead an
// active campaign rolling out in waves (Campaign rule 17): its first
// wave's start, a wave's success, the next wave's start once the soak
// passed, or a pause when a wave ended below its threshold. The engine
// sends it at each look; it carries no command id, as the campaign's
// state makes a repeat record nothing.
type AdvanceCampaignWaves struct {
	Meta
	CampaignID domain.CampaignID
	// Wave is the current wave's tally, read from its counters.
	Wave domain.WaveTally
	// Pending is how many of the campaign's devices wait to be started.
	Pending int
}

// AdvanceCampaignWaves handles AdvanceCampaignWaves. It returns when the
// soak running now ends (zero when none runs): the time to look again.
func (h *Handlers) AdvanceCampaignWaves(ctx context.Context, c AdvanceCampaignWaves) (Result, time.Time, error) {
	var due time.Time
	res, err := update(ctx, h, c.Meta, domain.CampaignStream(c.CampaignID), domain.LoadCampaign, func(cp *domain.Campaign) error {
		if err := ownCampaign(cp, c.Meta, c.CampaignID); err != nil {
			return err
		}
		var err error
		due, err = cp.AdvanceWaves(c.Wave, c.Pending, h.now())
		return err
	})
	return res, due, err
}
