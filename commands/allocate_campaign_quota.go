package commands

import (
	"context"
	"errors"

	"github.com/updateservice/updateservice/domain"
)

// AllocateCampaignQuota reserves one of the account's active-campaign slots
// for a starting campaign, or stops it as quotaallocationfailed when the
// account has none left.
type AllocateCampaignQuota struct {
	Meta
	CampaignID domain.CampaignID
}

// AllocateCampaignQuota handles AllocateCampaignQuota.
func (h *Handlers) AllocateCampaignQuota(ctx context.Context, c AllocateCampaignQuota) (Result, error) {
	return retry(ctx, func() (Result, error) {
		cp, acc, err := h.ownedCampaignAndAccount(ctx, c.Meta, c.CampaignID)
		if err != nil {
			return Result{}, err
		}
		now := h.now()
		var limit domain.LimitExceededError
		switch err := acc.agg.ReserveQuota(c.CampaignID, now); {
		case errors.As(err, &limit):
			err = cp.agg.FailQuotaAllocation(now)
			if err != nil {
				return Result{}, err
			}
		case err != nil:
			return Result{}, err
		default:
			if err := cp.agg.AllocateQuota(now); err != nil {
				return Result{}, err
			}
		}
		return h.saveAll(ctx, c.Meta, []changed{acc.changed()}, cp.changed())
	})
}
