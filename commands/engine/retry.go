package engine

import (
	"context"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// RetryCandidate is a device of a campaign whose update ended in a way a
// retry policy may send again (failed, failed in the connector channel,
// timed out), in a registered device that no other campaign holds.
type RetryCandidate struct {
	Device      domain.DeviceID
	State       domain.UpdateState
	ResultCode  int
	FailureCode string
	Attempts    int
	// EndedAt is when the update ended: the backoff counts from then.
	EndedAt time.Time
}

// retryEnded sends again the campaign's devices whose update failed or
// timed out, as its retry policy says, once their backoff passed
// (Campaign rule 20, Device rule 9): they go back to pending, and the
// next steps send them as any pending device. It pages, by device id,
// through the devices left with attempts, in batches, and notes whether
// one still waits for a retry the policy will make: the campaign does not
// end before it was tried. retried says it sent a device again.
//
// A caller deciding on counters it read (a wave's end, the campaign's)
// calls it after reading them: a device that failed in between is then
// found here, retried or waiting, rather than ending the wave or the
// campaign before its retry.
func (d *driver) retryEnded(ctx context.Context, cp *domain.Campaign) (retried bool, err error) {
	d.retryWaiting = false
	policy := cp.Rollout().Retry
	if policy == nil {
		return false, nil
	}
	now := d.e.now()
	var after domain.DeviceID
	for {
		page, err := d.e.reads.RetryCandidates(ctx, d.id, policy.MaxAttempts, after, d.e.cfg.BatchSize)
		if err != nil || len(page) == 0 {
			return retried, err
		}
		var due []domain.DeviceID
		for _, c := range page {
			at, retried := policy.Retries(c.State, c.ResultCode, c.FailureCode, c.Attempts, c.EndedAt)
			switch {
			case !retried:
			case now.Before(at):
				d.retryWaiting = true
			default:
				due = append(due, c.Device)
			}
		}
		if err := d.retry(ctx, due, now); err != nil {
			return retried, err
		}
		retried = retried || len(due) > 0
		after = page[len(page)-1].Device
	}
}

// retry records the retries of due devices in one command, and waits
// until the read models show them pending. The command's id names the
// step's time: a device retried again later is another command's.
func (d *driver) retry(ctx context.Context, due []domain.DeviceID, now time.Time) error {
	if len(due) == 0 {
		return nil
	}
	res, _, err := d.e.cmds.RetryDeviceUpdates(ctx, commands.RetryDeviceUpdates{Meta: d.meta("retry", now.UnixNano(), due[0]),
		CampaignID: d.id, Devices: due})
	if err != nil {
		return err
	}
	d.wrote(res)
	// The retried devices are pending again behind the page cursor: the
	// next page starts from the first device, so that they are sent
	// before devices never started, within their wave's room.
	d.pendingAfter = ""
	return d.e.waitFor(ctx, res.Position)
}
