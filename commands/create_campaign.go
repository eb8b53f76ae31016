package commands

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// CreateCampaign creates a campaign in draft. Its root manifest must be a
// manifest of the account that is not deleted; a campaign id that is taken
// answers domain.ConflictError.
type CreateCampaign struct {
	Meta
	CampaignID domain.CampaignID
	Spec       domain.CampaignSpec
}

// CreateCampaign handles CreateCampaign. It reads the campaign's stream
// and the manifest's in one read; the campaign's only to tell a retry of
// this command from a taken id.
func (h *Handlers) CreateCampaign(ctx context.Context, c CreateCampaign) (Result, error) {
	cs, ms := domain.CampaignStream(c.CampaignID), domain.ManifestStream(c.Spec.ManifestID)
	res, err := retry(ctx, func() (Result, error) {
		streams, err := h.store.ReadStreams(ctx, []string{cs, ms})
		if err != nil {
			return Result{}, err
		}
		existing, err := rebuild(cs, streams[cs], domain.LoadCampaign)
		if err != nil {
			return Result{}, err
		}
		if pos, ok := existing.handledBefore(c.Meta); ok {
			return Result{Position: pos}, nil
		}
		cp, err := domain.NewCampaign(c.CampaignID, c.Account, c.Spec, h.now())
		if err != nil {
			return Result{}, err
		}
		if existing.exists() {
			return Result{}, domain.ConflictError{Reason: fmt.Sprintf("campaign %s already exists", c.CampaignID)}
		}
		manifest, err := rebuild(ms, streams[ms], domain.LoadManifest)
		if err != nil {
			return Result{}, err
		}
		if err := usableManifest(manifest.agg, c.Meta, c.Spec.ManifestID); err != nil {
			return Result{}, err
		}
		return h.saveAll(ctx, c.Meta, nil, existing.as(cp))
	})
	return res, failed("CreateCampaign", err)
}
