package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// ChangeDeviceStates moves many devices' updates in one campaign at once:
// the engine's timeouts, cancellations on stop and connector failures.
// Devices whose update is not in one of From (terminal already, or moved on)
// are left alone, so the command can be repeated safely.
type ChangeDeviceStates struct {
	Meta
	CampaignID domain.CampaignID
	Devices    []domain.DeviceID
	From       []domain.UpdateState
	Change     domain.UpdateChange
}

// ChangeDeviceStates handles ChangeDeviceStates. It returns the devices
// whose update was changed.
func (h *Handlers) ChangeDeviceStates(ctx context.Context, c ChangeDeviceStates) (Result, []domain.DeviceID, error) {
	var changed []domain.DeviceID
	res, err := retry(ctx, func() (Result, error) {
		changed = changed[:0]
		return h.changeDevices(ctx, c.Meta, c.CampaignID, c.Devices, func(d *domain.Device, u domain.DeviceUpdate) (bool, error) {
			if !slices.Contains(c.From, u.State) {
				return false, nil
			}
			changed = append(changed, d.ID())
			return true, d.ChangeUpdateState(c.CampaignID, c.Change, h.now())
		})
	})
	return res, changed, err
}

// changeDevices loads the devices, lets decide change each one's update in
// the campaign (true when it recorded something) and appends all changes
// in one append.
func (h *Handlers) changeDevices(ctx context.Context, meta Meta, campaign domain.CampaignID, ids []domain.DeviceID,
	decide func(*domain.Device, domain.DeviceUpdate) (bool, error)) (Result, error) {
	devices, err := h.loadDevices(ctx, meta, ids)
	if err != nil {
		return Result{}, err
	}
	var requests []eventstore.AppendRequest
	for _, d := range devices {
		u, ok := d.agg.Update(campaign)
		if !ok {
			continue
		}
		if _, done := d.handledBefore(meta); done {
			continue
		}
		changed, err := decide(d.agg, u)
		var notAllowed domain.InvalidTransitionError
		if errors.As(err, &notAllowed) {
			continue // the device moved on meanwhile
		}
		if err != nil {
			return Result{}, fmt.Errorf("device %s: %w", d.agg.ID(), err)
		}
		if r, ok := d.request(meta); changed && ok {
			requests = append(requests, r)
		}
	}
	return h.save(ctx, requests...)
}
