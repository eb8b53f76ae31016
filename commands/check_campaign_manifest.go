package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// CheckCampaignManifest validates the manifest of a campaign that holds its
// quota and copies the manifest's timestamp to the campaign. A manifest
// deleted meanwhile stops the campaign as manifestremoved.
type CheckCampaignManifest struct {
	Meta
	CampaignID domain.CampaignID
}

// CheckCampaignManifest handles CheckCampaignManifest.
func (h *Handlers) CheckCampaignManifest(ctx context.Context, c CheckCampaignManifest) (Result, error) {
	return retry(ctx, func() (Result, error) {
		cp, m, err := h.ownedCampaignAndManifest(ctx, c.Meta, c.CampaignID)
		if err != nil {
			return Result{}, err
		}
		now := h.now()
		if ownManifest(m, c.Meta, cp.agg.ManifestID()) != nil {
			err = cp.agg.RemoveManifest(now)
		} else {
			err = cp.agg.CheckManifest(m.Timestamp(), now)
		}
		if err != nil {
			return Result{}, err
		}
		return h.saveAll(ctx, c.Meta, nil, cp.changed())
	})
}
