package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// SetCampaignLimits sets how many campaigns the account may run at once
// (the deployment-service-account-limits queue); 0 means unlimited. Setting
// the limit the account already has records nothing, as the queue
// redelivers.
type SetCampaignLimits struct {
	Meta
	MaxActiveCampaigns int
}

// SetCampaignLimits handles SetCampaignLimits.
func (h *Handlers) SetCampaignLimits(ctx context.Context, c SetCampaignLimits) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.AccountStream(c.Account), domain.LoadAccount, func(a *domain.Account) error {
		return a.SetCampaignLimits(c.Account, c.MaxActiveCampaigns, h.now())
	})
	return res, failed("SetCampaignLimits", err)
}
