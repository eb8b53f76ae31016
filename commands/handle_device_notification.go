package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/updateservice/updateservice/domain"
)

// The resources of the LwM2M firmware-update object (10252) whose
// notifications move a device's update.
const (
	// UpdateStatePath is the device's update state: 1 idle, 2 processing
	// manifest, 3 awaiting download approval, 4 downloading, 5 downloaded,
	// 6 awaiting application approval, 7 updating, 8 rebooting.
	UpdateStatePath = "/10252/0/2"
	// UpdateResultPath is the device's update result: 0 initial, 1
	// success, any other number a failure code.
	UpdateResultPath = "/10252/0/3"
)

// HandleDeviceNotification applies a resource notification of a device to
// its update in its active campaign. Devices report steps the service may
// not have seen (a lost or coalesced notification, a result before the
// connector's async response), so a later step is reached through the
// allowed steps before it; an earlier or repeated step records nothing. A
// device without an active campaign, an unknown path and the values that
// mean nothing for the update (idle, initial result) record nothing.
type HandleDeviceNotification struct {
	Meta
	DeviceID domain.DeviceID
	// Path is the resource notified, such as UpdateStatePath.
	Path string
	// Payload is the resource's value as text (the connector's base64
	// already decoded).
	Payload string
}

// HandleDeviceNotification handles HandleDeviceNotification.
func (h *Handlers) HandleDeviceNotification(ctx context.Context, c HandleDeviceNotification) (Result, error) {
	report, ok, err := c.report()
	if err != nil || !ok {
		return Result{}, failed("HandleDeviceNotification", err)
	}
	res, err := update(ctx, h, c.Meta, domain.DeviceStream(c.Account, c.DeviceID), domain.LoadDevice, func(d *domain.Device) error {
		campaign, active := d.ActiveCampaign()
		if !active || d.AccountID() != c.Account {
			return nil
		}
		u, _ := d.Update(campaign)
		steps := stepsTo(u.State, report.To)
		now := h.now()
		for i, to := range steps {
			step := domain.UpdateChange{To: to, Reason: "implied by " + report.Reason}
			if i == len(steps)-1 {
				step = report
			}
			if err := d.ChangeUpdateState(campaign, step, now); err != nil {
				return err
			}
		}
		return nil
	})
	return res, failed("HandleDeviceNotification", err)
}

// report reads the update step the notification reports; ok is false when
// it reports none.
func (c HandleDeviceNotification) report() (change domain.UpdateChange, ok bool, err error) {
	if c.Path != UpdateStatePath && c.Path != UpdateResultPath {
		return domain.UpdateChange{}, false, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(c.Payload))
	if err != nil {
		return domain.UpdateChange{}, false, domain.InvalidError{Field: "payload", Reason: fmt.Sprintf("%s: %q is not a number", c.Path, c.Payload)}
	}
	reason := fmt.Sprintf("device reported %s = %d", c.Path, n)
	if c.Path == UpdateResultPath {
		switch n {
		case 0:
			return domain.UpdateChange{}, false, nil
		case 1:
			return domain.UpdateChange{To: domain.UpdateDeployed, Reason: reason}, true, nil
		}
		return domain.UpdateChange{To: domain.UpdateFailed, ResultCode: n, Reason: reason}, true, nil
	}
	switch n {
	case 2, 3:
		return domain.UpdateChange{To: domain.UpdateUpdatedConnectorChannel, Reason: reason}, true, nil
	case 4, 5, 6:
		return domain.UpdateChange{To: domain.UpdateDownloading, Reason: reason}, true, nil
	case 7, 8:
		return domain.UpdateChange{To: domain.UpdateInstalling, Reason: reason}, true, nil
	}
	return domain.UpdateChange{}, false, nil // 0 uninitialised, 1 idle, or a value this service does not know
}

// stepsTo returns the shortest chain of allowed update steps from one
// state to another, ending with to; none when to is where the update is,
// behind it, or not reachable (a terminal update never moves again).
func stepsTo(from, to domain.UpdateState) []domain.UpdateState {
	prev := map[domain.UpdateState]domain.UpdateState{from: from}
	queue := []domain.UpdateState{from}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, next := range domain.UpdateStates {
			if _, seen := prev[next]; seen || !s.CanChangeTo(next) {
				continue
			}
			prev[next] = s
			if next == to {
				var steps []domain.UpdateState
				for at := to; at != from; at = prev[at] {
					steps = append([]domain.UpdateState{at}, steps...)
				}
				return steps
			}
			queue = append(queue, next)
		}
	}
	return nil
}
