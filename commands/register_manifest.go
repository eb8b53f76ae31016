package commands

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// RegisterManifest adds a firmware manifest to the account's catalog and
// counts it against the account's firmware limits, both in one append: a
// manifest is never stored without being counted.
type RegisterManifest struct {
	Meta
	ManifestID domain.ManifestID
	Spec       domain.ManifestSpec
}

// RegisterManifest handles RegisterManifest. A manifest id that is taken
// answers domain.ConflictError.
func (h *Handlers) RegisterManifest(ctx context.Context, c RegisterManifest) (Result, error) {
	ms, as := domain.ManifestStream(c.ManifestID), domain.AccountStream(c.Account)
	res, err := retry(ctx, func() (Result, error) {
		streams, err := h.store.ReadStreams(ctx, []string{ms, as})
		if err != nil {
			return Result{}, err
		}
		existing, err := asFound(c.Meta, ms, streams[ms], domain.LoadManifest)
		if err != nil {
			return Result{}, err
		}
		now := h.now()
		m, err := domain.NewManifest(c.ManifestID, c.Account, c.Spec, now)
		if err != nil {
			return Result{}, err
		}
		if existing.exists() {
			return Result{}, domain.ConflictError{Reason: fmt.Sprintf("manifest %s already exists", c.ManifestID)}
		}
		account, err := asFound(c.Meta, as, streams[as], domain.LoadAccount)
		if err != nil {
			return Result{}, err
		}
		if err := account.agg.CountManifest(c.ManifestID, +1, c.Spec.PayloadSize, now); err != nil {
			return Result{}, err
		}
		return h.saveAll(ctx, c.Meta, []changed{account.changed()}, existing.as(m))
	})
	return res, failed("RegisterManifest", err)
}
