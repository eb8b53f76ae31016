package commands

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// maxLoggedDevices bounds the devices of one LogManifestSentDevices: one
// read and one append, as a chunk of a bulk registration.
const maxLoggedDevices = bulkChunk

// LogManifestSentDevices records which devices a manifest upload of a
// campaign reached and which it could not reach (the
// deployment-service-log-manifest-sent-devices queue): a reached device's
// update becomes updated_connector_channel, an unreached one's
// failed_connector_channel_update, both through scheduled when the send
// was not recorded yet. Devices already past the send, and devices the
// campaign does not have, are left alone, so the log can be repeated.
type LogManifestSentDevices struct {
	Meta
	CampaignID domain.CampaignID
	Reached    []domain.DeviceID
	NotReached []domain.DeviceID
	// Reason says why the unreached devices were not reached.
	Reason string
}

// LogManifestSentDevices handles LogManifestSentDevices. It returns the
// devices whose update changed. A campaign the account does not have
// answers domain.NotFoundError.
func (h *Handlers) LogManifestSentDevices(ctx context.Context, c LogManifestSentDevices) (Result, []domain.DeviceID, error) {
	targets, err := c.targets()
	if err != nil {
		return Result{}, nil, failed("LogManifestSentDevices", err)
	}
	ids := append(append([]domain.DeviceID{}, c.Reached...), c.NotReached...)
	var changed []domain.DeviceID
	res, err := retry(ctx, func() (Result, error) {
		changed = changed[:0]
		cp, err := load(ctx, h.store, domain.CampaignStream(c.CampaignID), domain.LoadCampaign)
		if err != nil {
			return Result{}, err
		}
		if err := ownCampaign(cp.agg, c.Meta, c.CampaignID); err != nil {
			return Result{}, err
		}
		return h.changeDevices(ctx, c.Meta, c.CampaignID, ids, func(d *domain.Device, u domain.DeviceUpdate) (bool, error) {
			target := targets[d.ID()]
			if u.State != domain.UpdatePending && u.State != domain.UpdateScheduled {
				return false, nil
			}
			now := h.now()
			if u.State == domain.UpdatePending {
				sent := domain.UpdateChange{To: domain.UpdateScheduled, AsyncID: domain.AsyncID(c.Account, c.CampaignID, d.ID()), Reason: "manifest sent (logged)"}
				if err := d.ChangeUpdateState(c.CampaignID, sent, now); err != nil {
					return false, err
				}
			}
			changed = append(changed, d.ID())
			return true, d.ChangeUpdateState(c.CampaignID, target, now)
		})
	})
	if err != nil {
		return Result{}, nil, failed("LogManifestSentDevices", err)
	}
	return res, changed, nil
}

// targets validates the lists and returns each device's new state.
func (c LogManifestSentDevices) targets() (map[domain.DeviceID]domain.UpdateChange, error) {
	if n := len(c.Reached) + len(c.NotReached); n == 0 || n > maxLoggedDevices {
		return nil, domain.InvalidError{Field: "devices", Reason: fmt.Sprintf("%d devices; log 1 to %d at a time", n, maxLoggedDevices)}
	}
	reason := c.Reason
	if reason == "" {
		reason = "the manifest did not reach the device"
	}
	out := make(map[domain.DeviceID]domain.UpdateChange, len(c.Reached)+len(c.NotReached))
	add := func(ids []domain.DeviceID, change domain.UpdateChange) error {
		for _, id := range ids {
			if err := id.Validate(); err != nil {
				return err
			}
			if _, dup := out[id]; dup {
				return domain.InvalidError{Field: "device_id", Reason: fmt.Sprintf("%q is listed twice", id)}
			}
			change.AsyncID = domain.AsyncID(c.Account, c.CampaignID, id)
			out[id] = change
		}
		return nil
	}
	if err := add(c.Reached, domain.UpdateChange{To: domain.UpdateUpdatedConnectorChannel, Reason: "manifest delivered (logged)"}); err != nil {
		return nil, err
	}
	if err := add(c.NotReached, domain.UpdateChange{To: domain.UpdateFailedConnectorChannelUpdate, Reason: reason}); err != nil {
		return nil, err
	}
	return out, nil
}
