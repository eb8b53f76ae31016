package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// EndCampaign ends a campaign whose devices are all done: an active one
// finishes as Outcome (deployed or autostopped), a stopping one stops with
// its stop reason. Either way the account gets its campaign slot back,
// once the campaign's end is stored: a slot is never free while a
// campaign that failed to end still holds it.
type EndCampaign struct {
	Meta
	CampaignID domain.CampaignID
	Outcome    domain.State
}

// EndCampaign handles EndCampaign.
func (h *Handlers) EndCampaign(ctx context.Context, c EndCampaign) (Result, error) {
	return retry(ctx, func() (Result, error) {
		cp, acc, err := h.ownedCampaignAndAccount(ctx, c.Meta, c.CampaignID)
		if err != nil {
			return Result{}, err
		}
		now := h.now()
		if cp.agg.Phase() == domain.PhaseStopping {
			err = cp.agg.CompleteStop(cp.agg.StopReason(), now)
		} else {
			err = cp.agg.Finish(c.Outcome, now)
		}
		if err != nil {
			return Result{}, err
		}
		if err := acc.agg.ReleaseQuota(c.CampaignID, now); err != nil {
			return Result{}, err
		}
		return h.saveAll(ctx, c.Meta, []changed{cp.changed()}, acc.changed())
	})
}
