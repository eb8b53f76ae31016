package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// RecordManifestsSent records, before the engine sends them, the manifest
// writes to pending devices of a campaign (or accepted ones, in a campaign
// that requires consent): each update becomes scheduled
// with the async id the connector will answer with.
type RecordManifestsSent struct {
	Meta
	CampaignID domain.CampaignID
	Devices    []domain.DeviceID
	// Wave is the rollout wave the devices start in (0: none), kept on
	// their updates (Campaign rule 17).
	Wave int
}

// RecordManifestsSent handles RecordManifestsSent. It returns the devices
// that are scheduled now, those recorded before included: a send that a
// crash interrupted is sent again.
func (h *Handlers) RecordManifestsSent(ctx context.Context, c RecordManifestsSent) (Result, []domain.DeviceID, error) {
	var scheduled []domain.DeviceID
	res, err := retry(ctx, func() (Result, error) {
		scheduled = scheduled[:0]
		return h.changeDevices(ctx, c.Meta, c.CampaignID, c.Devices, func(d *domain.Device, u domain.DeviceUpdate) (bool, error) {
			switch u.State {
			case domain.UpdateScheduled:
				scheduled = append(scheduled, d.ID())
				return false, nil
			case domain.UpdatePending, domain.UpdateAccepted: // accepted: its user consented
				scheduled = append(scheduled, d.ID())
				return true, d.ChangeUpdateState(c.CampaignID, domain.UpdateChange{To: domain.UpdateScheduled,
					AsyncID: domain.AsyncID(c.Account, c.CampaignID, d.ID()), Reason: "manifest sent", Wave: c.Wave}, h.now())
			default: // skipped, or past its send: nothing to send
				return false, nil
			}
		})
	})
	return res, scheduled, err
}
