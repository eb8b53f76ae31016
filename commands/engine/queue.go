package engine

import (
	"context"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// backToPending puts back to pending the devices whose update waits: the
// ended ones the retry policy sends again (retry.go) and the queued ones
// whose other campaign let them go. The next steps send them as any
// pending device.
func (d *driver) backToPending(ctx context.Context, cp *domain.Campaign) error {
	if _, err := d.retryEnded(ctx, cp); err != nil {
		return err
	}
	return d.releaseQueued(ctx)
}

// releaseQueued moves the campaign's queued devices (conflict policy
// queue) that no other campaign holds any more to pending, a page per
// command (Device rule 10). Queued devices count as open, so the campaign
// does not end while one waits; a stop cancels them.
func (d *driver) releaseQueued(ctx context.Context) error {
	var after domain.DeviceID
	for {
		free, err := d.e.reads.FreeQueuedDevices(ctx, d.id, after, d.e.cfg.BatchSize)
		if err != nil || len(free) == 0 {
			return err
		}
		res, _, err := d.e.cmds.ReleaseQueuedDevices(ctx, commands.ReleaseQueuedDevices{Meta: d.meta("release", free[0]),
			CampaignID: d.id, Devices: free})
		if err != nil {
			return err
		}
		d.wrote(res)
		if err := d.e.waitFor(ctx, res.Position); err != nil {
			return err
		}
		after = free[len(free)-1]
	}
}
