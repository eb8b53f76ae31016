package engine

import (
	"context"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// reasonAwaitingConsent is the reason a device of a campaign that requires
// consent shows until its user accepts.
const reasonAwaitingConsent = "awaiting the consent of the device's user"

// awaitConsent moves a page of pending devices of a campaign that requires
// consent to awaiting_consent: neither sent nor assigned, and not in
// flight, so they neither count against MaxInFlight nor time out. Their
// users' acceptances make them accepted, which the engine then sends or
// assigns like pending devices. It returns how many it moved.
func (d *driver) awaitConsent(ctx context.Context) (int, error) {
	page, err := d.e.reads.CampaignDevicesInStates(ctx, d.id, []domain.UpdateState{domain.UpdatePending}, "", d.e.cfg.BatchSize)
	if err != nil || len(page) == 0 {
		return 0, err
	}
	res, changed, err := d.e.cmds.ChangeDeviceStates(ctx, commands.ChangeDeviceStates{Meta: d.meta("await-consent"), CampaignID: d.id,
		Devices: page, From: []domain.UpdateState{domain.UpdatePending},
		Change: domain.UpdateChange{To: domain.UpdateAwaitingConsent, Reason: reasonAwaitingConsent}})
	if err != nil {
		return 0, err
	}
	if len(changed) == 0 {
		return 0, errReadModelBehind // those devices moved on
	}
	d.wrote(res)
	return len(page), d.e.waitFor(ctx, res.Position)
}
