package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// SetFirmwareLimits sets the account's limits on its number of manifests
// and on each payload's size (the firmware-account-limits queue); 0 means
// unlimited. Manifests already registered stay when a limit is lowered.
type SetFirmwareLimits struct {
	Meta
	MaxManifests    int
	MaxPayloadBytes int64
}

// SetFirmwareLimits handles SetFirmwareLimits.
func (h *Handlers) SetFirmwareLimits(ctx context.Context, c SetFirmwareLimits) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.AccountStream(c.Account), domain.LoadAccount, func(a *domain.Account) error {
		return a.SetFirmwareLimits(c.Account, c.MaxManifests, c.MaxPayloadBytes, h.now())
	})
	return res, failed("SetFirmwareLimits", err)
}
