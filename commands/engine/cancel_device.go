package engine

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/updateservice/updateservice/domain"
)

// reasonCancelledByUser is the reason of a user's cancel of one device
// that the engine ends at once: no Director holds its assignment.
const reasonCancelledByUser = "cancelled by its user"

// cancelRequested settles the cancels users asked for of devices under
// way (Device rule 7). For a campaign the Director assigns, the Director
// cancels their assignments: those it confirms end cancelled, the others
// (updating already) go on to their outcome. Otherwise they end cancelled
// at once. The request is recorded before any of this, so a restarted
// engine asks again; within one run a device is asked about once.
func (d *driver) cancelRequested(ctx context.Context) error {
	var after domain.DeviceID
	for {
		page, err := d.e.reads.CampaignDevicesCancelRequested(ctx, d.id, inFlight, after, d.e.cfg.BatchSize)
		if err != nil || len(page) == 0 {
			return err
		}
		after = page[len(page)-1]
		page = slices.DeleteFunc(page, func(id domain.DeviceID) bool { return d.cancelAsked[id] })
		if len(page) == 0 {
			continue
		}
		cancelled, reason := page, reasonCancelledByUser
		if d.mtu != "" {
			if cancelled, err = d.e.cfg.Director.Cancel(ctx, d.account, page); err != nil {
				return err
			}
			reason = reasonCancelled
		}
		change := domain.UpdateChange{To: domain.UpdateCancelled, Reason: reason}
		if err := d.changeDevices(ctx, "user-cancel", cancelled, inFlight, change); err != nil {
			return err
		}
		if d.cancelAsked == nil {
			d.cancelAsked = map[domain.DeviceID]bool{}
		}
		for _, id := range page {
			d.cancelAsked[id] = true
		}
	}
}

// cancelRequestedCampaign reads the campaign a DeviceUpdateCancelRequested
// names; "" when its data does not decode (the driver finds the request
// at its next poll all the same).
func cancelRequestedCampaign(data []byte) domain.CampaignID {
	var e domain.DeviceUpdateCancelRequested
	if json.Unmarshal(data, &e) != nil {
		return ""
	}
	return e.CampaignID
}
