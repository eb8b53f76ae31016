package commands

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// ReportDeviceUpdate records a step of a device's update in a named
// campaign that a system other than the device connector reported: the
// deployment-service-campaign-device-state queue (any step), and the
// update results of deployment-service-update-deployment-device and
// Campaigner's update reports (deployed, or failed with a result code).
// Like a device notification, a later step is reached through the allowed
// steps before it, and an earlier, repeated or unreachable step records
// nothing, so redelivered and late reports are harmless. Unlike a device
// notification, the report names its campaign: a late report about a
// campaign the device has left never moves its update in the next one.
type ReportDeviceUpdate struct {
	Meta
	DeviceID   domain.DeviceID
	CampaignID domain.CampaignID
	// State is the state the update reached; pending and skipped are
	// decided by the service, not reported.
	State domain.UpdateState
	// ResultCode is the device's update result; required for failed.
	ResultCode int
	// Reason says who reported what, for people reading the history.
	Reason string
}

// ReportDeviceUpdate handles ReportDeviceUpdate. A device the account's
// catalog does not have, or that the campaign never enrolled, answers
// domain.NotFoundError.
func (h *Handlers) ReportDeviceUpdate(ctx context.Context, c ReportDeviceUpdate) (Result, error) {
	if err := c.validate(); err != nil {
		return Result{}, failed("ReportDeviceUpdate", err)
	}
	res, err := update(ctx, h, c.Meta, domain.DeviceStream(c.Account, c.DeviceID), domain.LoadDevice, func(d *domain.Device) error {
		if err := ownDevice(d, c.Meta, c.DeviceID); err != nil {
			return err
		}
		u, ok := d.Update(c.CampaignID)
		if !ok || u.State == domain.UpdateSkipped {
			return domain.NotFoundError{Object: "device update", ID: string(c.DeviceID) + " in campaign " + string(c.CampaignID)}
		}
		steps := stepsTo(u.State, c.State)
		now := h.now()
		for i, to := range steps {
			step := domain.UpdateChange{To: to, Reason: "implied by " + c.Reason}
			if i == len(steps)-1 {
				step = domain.UpdateChange{To: to, ResultCode: c.ResultCode, Reason: c.Reason}
			}
			if err := d.ChangeUpdateState(c.CampaignID, step, now); err != nil {
				return err
			}
		}
		return nil
	})
	return res, failed("ReportDeviceUpdate", err)
}

// validate checks the reported state before any read.
func (c ReportDeviceUpdate) validate() error {
	if _, err := domain.ParseUpdateState(string(c.State)); err != nil {
		return err
	}
	if c.State == domain.UpdatePending || c.State == domain.UpdateSkipped {
		return domain.InvalidError{Field: "state", Reason: fmt.Sprintf("%s is decided by the service, not reported", c.State)}
	}
	if c.State == domain.UpdateFailed && c.ResultCode == 0 {
		return domain.InvalidError{Field: "result_code", Reason: "a failed update carries the device's non-zero result code"}
	}
	return nil
}
