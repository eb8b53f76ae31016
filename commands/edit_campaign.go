package commands

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// EditCampaign changes a campaign's user-set fields: every field in draft,
// only name and description later. A new root manifest must be usable as
// for CreateCampaign.
type EditCampaign struct {
	Meta
	CampaignID domain.CampaignID
	Edit       domain.CampaignEdit
	// IfMatch, when set, is the campaign stream revision the caller last
	// read (the API's etag): the edit is refused with domain.ConflictError
	// when the campaign changed since, so no one overwrites an edit unseen.
	IfMatch *uint64
}

// EditCampaign handles EditCampaign.
func (h *Handlers) EditCampaign(ctx context.Context, c EditCampaign) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.CampaignStream(c.CampaignID), domain.LoadCampaign, func(cp *domain.Campaign) error {
		if err := ownCampaign(cp, c.Meta, c.CampaignID); err != nil {
			return err
		}
		if rev, _ := cp.Revision(); c.IfMatch != nil && *c.IfMatch != rev {
			return domain.ConflictError{Reason: fmt.Sprintf("campaign %s is at revision %d, not %d (If-Match)", c.CampaignID, rev, *c.IfMatch)}
		}
		if m := c.Edit.ManifestID; m != nil && *m != cp.ManifestID() {
			if err := h.checkManifest(ctx, c.Meta, *m); err != nil {
				return err
			}
		}
		return cp.Edit(c.Edit, h.now())
	})
	return res, failed("EditCampaign", err)
}

// checkManifest loads a manifest a campaign is to use and refuses it
// unless it is the account's and not deleted.
func (h *Handlers) checkManifest(ctx context.Context, meta Meta, id domain.ManifestID) error {
	if err := id.Validate(); err != nil {
		return domain.InvalidError{Field: "root_manifest_id", Reason: err.Error()}
	}
	m, err := load(ctx, h.store, domain.ManifestStream(id), domain.LoadManifest)
	if err != nil {
		return err
	}
	return usableManifest(m.agg, meta, id)
}
