package commands

import (
	"context"
	"encoding/json"

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

// Manifest loads a manifest of the account from its stream. A deleted
// manifest is not found (Manifest rule 2): nothing is written with it any
// more, whatever a campaign or a queued message still says.
func (h *Handlers) Manifest(ctx context.Context, account domain.AccountID, id domain.ManifestID) (*domain.Manifest, error) {
	l, err := load(ctx, h.store, domain.ManifestStream(id), domain.LoadManifest)
	if err != nil {
		return nil, err
	}
	if l.agg.ID() == "" || l.agg.Deleted() || l.agg.AccountID() != account {
		return nil, domain.NotFoundError{Object: "manifest", ID: string(id)}
	}
	return l.agg, nil
}

// FirmwareImage loads an image of the account from its stream: where its
// blob is, authoritatively, for deleting the blob after the image.
func (h *Handlers) FirmwareImage(ctx context.Context, account domain.AccountID, id domain.FirmwareImageID) (*domain.FirmwareImage, error) {
	l, err := load(ctx, h.store, domain.FirmwareImageStream(id), domain.LoadFirmwareImage)
	if err != nil {
		return nil, err
	}
	if err := ownFirmwareImage(l.agg, Meta{Account: account}, id); err != nil {
		return nil, err
	}
	return l.agg, nil
}

// Webhook loads a webhook of the account from its stream. A deleted
// webhook is not found (Webhook rule 3).
func (h *Handlers) Webhook(ctx context.Context, account domain.AccountID, id domain.WebhookID) (*domain.Webhook, error) {
	l, err := load(ctx, h.store, domain.WebhookStream(id), domain.LoadWebhook)
	if err != nil {
		return nil, err
	}
	if l.agg.ID() == "" || l.agg.Deleted() || l.agg.AccountID() != account {
		return nil, domain.NotFoundError{Object: "webhook", ID: string(id)}
	}
	return l.agg, nil
}

// Account loads an account from its stream: its limits, which an upload
// reads before taking in a file larger than they allow.
func (h *Handlers) Account(ctx context.Context, account domain.AccountID) (*domain.Account, error) {
	l, err := load(ctx, h.store, domain.AccountStream(account), domain.LoadAccount)
	if err != nil {
		return nil, err
	}
	return l.agg, nil
}

// Update loads an update of the account from its stream: the engine reads
// the source id (Campaigner's mtuId) that the Director assigns.
func (h *Handlers) Update(ctx context.Context, account domain.AccountID, id domain.UpdateID) (*domain.Update, error) {
	l, err := load(ctx, h.store, domain.UpdateStream(id), domain.LoadUpdate)
	if err != nil {
		return nil, err
	}
	if l.agg.ID() == "" || l.agg.AccountID() != account {
		return nil, domain.NotFoundError{Object: "update", ID: string(id)}
	}
	return l.agg, nil
}

// ManifestWrite is what is written to a device's manifest resource
// (/10252/0/1) for a campaign: its manifest's file, as its vendor signed
// it and the device verifies it, or, for a manifest registered by its
// fields, the delivery fields as JSON. The engine and the send-manifest
// queue both write this.
func (h *Handlers) ManifestWrite(ctx context.Context, account domain.AccountID, campaign domain.CampaignID) ([]byte, error) {
	cp, err := h.Campaign(ctx, account, campaign)
	if err != nil {
		return nil, err
	}
	m, err := h.Manifest(ctx, account, cp.ManifestID())
	if err != nil {
		return nil, err
	}
	if file := m.Spec().File; len(file) > 0 {
		return file, nil
	}
	return json.Marshal(map[string]any{
		"manifest_id": m.ID(), "campaign_id": campaign, "device_class": m.DeviceClass(), "timestamp": m.Timestamp(),
		"payload_url": m.Spec().PayloadURL, "payload_digest": m.PayloadDigest(), "payload_size": m.Spec().PayloadSize,
	})
}

// ownedCampaign loads a campaign of the command's account, as the command
// found it (see asFound), for an engine command on the campaign.
func (h *Handlers) ownedCampaign(ctx context.Context, meta Meta, id domain.CampaignID) (loaded[*domain.Campaign], error) {
	cp, err := loadAsFound(ctx, h.store, meta, domain.CampaignStream(id), domain.LoadCampaign)
	if err != nil {
		return cp, err
	}
	return cp, ownCampaign(cp.agg, meta, id)
}

// ownedCampaignAndAccount loads a campaign of the command's account and
// the account, both as the command found them, for a command that moves
// one of the account's campaign slots.
func (h *Handlers) ownedCampaignAndAccount(ctx context.Context, meta Meta, id domain.CampaignID) (loaded[*domain.Campaign], loaded[*domain.Account], error) {
	cp, err := h.ownedCampaign(ctx, meta, id)
	if err != nil {
		return cp, loaded[*domain.Account]{}, err
	}
	acc, err := loadAsFound(ctx, h.store, meta, domain.AccountStream(meta.Account), domain.LoadAccount)
	return cp, acc, err
}

// ownedCampaignAndManifest loads a campaign of the command's account and
// its root manifest, which may be missing, deleted or another account's:
// the caller decides what that means for the campaign.
func (h *Handlers) ownedCampaignAndManifest(ctx context.Context, meta Meta, id domain.CampaignID) (loaded[*domain.Campaign], *domain.Manifest, error) {
	cp, err := h.ownedCampaign(ctx, meta, id)
	if err != nil {
		return cp, nil, err
	}
	m, err := load(ctx, h.store, domain.ManifestStream(cp.agg.ManifestID()), domain.LoadManifest)
	return cp, m.agg, err
}

// UploadJob loads a job of the account from its stream: its chunks'
// blobs and the hash state the next chunk continues from.
func (h *Handlers) UploadJob(ctx context.Context, account domain.AccountID, id domain.UploadJobID) (*domain.UploadJob, error) {
	l, err := load(ctx, h.store, domain.UploadJobStream(id), domain.LoadUploadJob)
	if err != nil {
		return nil, err
	}
	if err := ownUploadJob(l.agg, Meta{Account: account}, id); err != nil {
		return nil, err
	}
	return l.agg, nil
}
