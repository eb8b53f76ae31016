package engine

import (
	"context"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// timed starts a timed campaign once its time has come, checking at least
// every PollInterval.
func (d *driver) timed(ctx context.Context, cp *domain.Campaign) (time.Duration, bool, error) {
	when, _ := cp.When()
	if left := when.Sub(d.e.now()); left > 0 {
		return min(left, d.e.cfg.PollInterval), false, nil
	}
	res, err := d.e.cmds.AdvanceCampaign(ctx, commands.AdvanceCampaign{Meta: d.meta("begin"), CampaignID: d.id, Step: commands.StepBeginTimedStart})
	d.wrote(res)
	return 0, false, err
}

// starting performs the start pipeline's next step.
func (d *driver) starting(ctx context.Context, cp *domain.Campaign) (time.Duration, bool, error) {
	var res commands.Result
	var err error
	switch cp.State() {
	case domain.StateAllocatingQuota:
		res, err = d.e.cmds.AllocateCampaignQuota(ctx, commands.AllocateCampaignQuota{Meta: d.meta("quota"), CampaignID: d.id})
	case domain.StateAllocatedQuota:
		res, err = d.e.cmds.CheckCampaignManifest(ctx, commands.CheckCampaignManifest{Meta: d.meta("manifest"), CampaignID: d.id})
	case domain.StateCheckedManifest, domain.StateDeviceFetch, domain.StateDeviceCopy:
		return d.enrolNextPage(ctx, cp)
	case domain.StateDeviceCheck:
		res, err = d.e.cmds.AdvanceCampaign(ctx, commands.AdvanceCampaign{Meta: d.meta("publish"), CampaignID: d.id, Step: commands.StepPublish})
	case domain.StatePublishing:
		res, err = d.e.cmds.AdvanceCampaign(ctx, commands.AdvanceCampaign{Meta: d.meta("deploy"), CampaignID: d.id, Step: commands.StepDeploy})
	default:
		// Another state in phase starting is the domain's to explain; look
		// again later rather than spin.
		return d.e.cfg.PollInterval, false, nil
	}
	d.wrote(res)
	return 0, false, err
}

// enrolNextPage enrols the next page of the campaign's devices (from the
// catalog, or the Device Registry: devices.go), then pauses for
// BatchDelay unless it was the last page.
func (d *driver) enrolNextPage(ctx context.Context, cp *domain.Campaign) (time.Duration, bool, error) {
	if left := d.nextPage.Sub(d.e.now()); left > 0 {
		return left, false, nil // wake-ups do not shorten the pause
	}
	// The catalog must reflect every device registered before the start,
	// which the engine has seen by the time it drives the campaign. Later
	// pages need no wait: enrolments do not change what the filter matches.
	if cp.Batches() == 0 {
		if err := d.caughtUp(ctx); err != nil {
			return 0, false, err
		}
	}
	page, err := d.e.sourceOf(cp)(ctx, d, cp)
	if err != nil {
		return 0, false, err
	}
	batch := cp.Batches() + 1
	res, err := d.e.cmds.EnrolDevices(ctx, commands.EnrolDevices{Meta: d.meta("enrol", batch), CampaignID: d.id,
		Batch: batch, Devices: page.devices, Cursor: page.cursor, Last: page.last, Group: page.group})
	d.wrote(res)
	if err != nil || page.last {
		return 0, false, err
	}
	d.nextPage = d.e.now().Add(d.e.cfg.BatchDelay)
	return d.e.cfg.BatchDelay, false, nil
}

// meta is the metadata of this driver's step commands.
func (d *driver) meta(step string, parts ...any) commands.Meta {
	return d.e.meta(d.account, step, d.id, parts...)
}
