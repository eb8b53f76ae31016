package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// Campaign loads a campaign from its stream: the current, authoritative
// state that the engine decides its next step on.
func (h *Handlers) Campaign(ctx context.Context, account domain.AccountID, id domain.CampaignID) (*domain.Campaign, error) {
	l, err := load(ctx, h.store, domain.CampaignStream(id), domain.LoadCampaign)
	if err != nil {
		return nil, err
	}
	if err := ownCampaign(l.agg, Meta{Account: account}, id); err != nil {
		return nil, err
	}
	return l.agg, nil
}

// Manifest loads a manifest of the account from its stream.
func (h *Handlers) Manifest(ctx context.Context, account domain.AccountID, id domain.ManifestID) (*domain.Manifest, error) {
	l, err := load(ctx, h.store, domain.ManifestStream(id), domain.LoadManifest)
	if err != nil {
		return nil, err
	}
	if l.agg.ID() == "" || l.agg.AccountID() != account {
		return nil, domain.NotFoundError{Object: "manifest", ID: string(id)}
	}
	return l.agg, nil
}
