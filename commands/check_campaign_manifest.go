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
		cp, err := h.ownedCampaign(ctx, c.Meta, c.CampaignID)
		if err != nil {
			return Result{}, err
		}
		m, err := load(ctx, h.store, domain.ManifestStream(cp.agg.ManifestID()), domain.LoadManifest)
		if err != nil {
			return Result{}, err
		}
		now := h.now()
		if m.agg.ID() == "" || m.agg.Deleted() || m.agg.AccountID() != c.Account {
			err = cp.agg.RemoveManifest(now)
		} else {
			err = cp.agg.CheckManifest(m.agg.Timestamp(), now)
		}
		if err != nil {
			return Result{}, err
		}
		return h.saveAll(ctx, c.Meta, nil, cp.changed())
	})
}
