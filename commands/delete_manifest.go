package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// DeleteManifest deletes a manifest and counts it out of the account's
// firmware catalog, both in one append, where the count goes last: a
// manifest is never counted out while it is still there. The campaign engine stops the
// campaigns using it as manifestremoved.
type DeleteManifest struct {
	Meta
	ManifestID domain.ManifestID
}

// DeleteManifest handles DeleteManifest.
func (h *Handlers) DeleteManifest(ctx context.Context, c DeleteManifest) (Result, error) {
	ms, as := domain.ManifestStream(c.ManifestID), domain.AccountStream(c.Account)
	res, err := retry(ctx, func() (Result, error) {
		streams, err := h.store.ReadStreams(ctx, []string{ms, as})
		if err != nil {
			return Result{}, err
		}
		manifest, err := asFound(c.Meta, ms, streams[ms], domain.LoadManifest)
		if err != nil {
			return Result{}, err
		}
		if err := ownManifest(manifest.agg, c.Meta, c.ManifestID); err != nil {
			return Result{}, err
		}
		account, err := asFound(c.Meta, as, streams[as], domain.LoadAccount)
		if err != nil {
			return Result{}, err
		}
		now := h.now()
		if err := manifest.agg.Delete(now); err != nil {
			return Result{}, err
		}
		if err := account.agg.CountManifest(c.ManifestID, -1, 0, now); err != nil {
			return Result{}, err
		}
		return h.saveAll(ctx, c.Meta, []changed{manifest.changed()}, account.changed())
	})
	return res, failed("DeleteManifest", err)
}
