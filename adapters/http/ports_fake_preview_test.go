package http_test

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// PreviewCampaign answers the test's preview, else an empty one.
func (p *ports) PreviewCampaign(_ context.Context, account domain.AccountID, id domain.CampaignID) (*domain.CampaignPreview, error) {
	p.record("PreviewCampaign", account)
	if p.preview != nil {
		return p.preview(account, id)
	}
	return &domain.CampaignPreview{CampaignID: id, Skipped: map[domain.SkipReason]int{}}, nil
}
