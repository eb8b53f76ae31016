package engine

import (
	"context"
	"errors"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// stopping cancels a stopping campaign's open devices, then stops it.
func (d *driver) stopping(ctx context.Context, cp *domain.Campaign) (time.Duration, bool, error) {
	if err := d.caughtUp(ctx); err != nil {
		return 0, false, err
	}
	to := domain.UpdateCancelled
	if cp.StopReason() == domain.StateManifestRemoved {
		to = domain.UpdateManifestRemoved
	}
	if err := d.cancelOpen(ctx, cp, to, "campaign "+string(cp.StopReason())); err != nil {
		return 0, false, err
	}
	_, err := d.e.cmds.EndCampaign(ctx, commands.EndCampaign{Meta: d.meta("end"), CampaignID: d.id})
	return 0, false, err
}

// cancelOpen moves every open device of the campaign to state to, after
// the Director, for a campaign it assigns, cancelled what it could.
func (d *driver) cancelOpen(ctx context.Context, cp *domain.Campaign, to domain.UpdateState, reason string) error {
	if err := d.cancelInDirector(ctx, cp); err != nil {
		return err
	}
	for {
		page, err := d.e.reads.CampaignDevicesInStates(ctx, d.id, open, "", 1000)
		if err != nil || len(page) == 0 {
			return err
		}
		res, changed, err := d.e.cmds.ChangeDeviceStates(ctx, commands.ChangeDeviceStates{Meta: d.meta("cancel"), CampaignID: d.id,
			Devices: page, From: open, Change: domain.UpdateChange{To: to, Reason: reason}})
		if err != nil {
			return err
		}
		if len(changed) == 0 {
			return errReadModelBehind // those devices moved on: let the read models catch up
		}
		if err := d.e.waitFor(ctx, res.Position); err != nil {
			return err
		}
	}
}

// errReadModelBehind makes the driver back off and look again: the read
// models listed devices whose updates have already moved on.
var errReadModelBehind = errors.New("read models behind the event store; retrying")
