package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// dispatcher decodes one queue's payload and sends its command; meta has
// every field but the account, which comes from the payload.
type dispatcher func(ctx context.Context, h Handlers, payload []byte, meta commands.Meta) (commands.Result, error)

// route makes the dispatcher of a queue whose messages are M.
func route[M Message](send func(ctx context.Context, h Handlers, m M, meta commands.Meta) (commands.Result, error)) dispatcher {
	return func(ctx context.Context, h Handlers, payload []byte, meta commands.Meta) (commands.Result, error) {
		var zero M
		m, err := decodeMessage[M](zero.Queue(), payload)
		if err != nil {
			return commands.Result{}, err
		}
		meta.Account = m.account()
		if meta.CommandID != "" {
			// Scoped to the account, like the API's idempotency keys: another
			// account's message with the same id is another command.
			meta.CommandID = "msg:" + string(meta.Account) + ":" + meta.CommandID
		}
		return send(ctx, h, m, meta)
	}
}

// dispatchers maps each queue to its handling: one command per message.
var dispatchers = map[string]dispatcher{
	QueueNotificationSubscription: route(func(ctx context.Context, h Handlers, m NotificationSubscription, meta commands.Meta) (commands.Result, error) {
		return h.Commands.ChangeDeviceSubscription(ctx, commands.ChangeDeviceSubscription{Meta: meta, DeviceID: m.DeviceID, Subscribed: *m.Subscribed})
	}),
	QueueAsyncResponse: route(func(ctx context.Context, h Handlers, m AsyncResponse, meta commands.Meta) (commands.Result, error) {
		return h.Commands.HandleAsyncResponse(ctx, commands.HandleAsyncResponse{Meta: meta, AsyncID: m.AsyncID, Status: *m.Status, Error: m.Error})
	}),
	QueueSendManifest: route(sendManifest),
	QueueCampaignManager: route(func(ctx context.Context, h Handlers, m CampaignManager, meta commands.Meta) (commands.Result, error) {
		return h.Commands.AdvanceCampaign(ctx, commands.AdvanceCampaign{Meta: meta, CampaignID: m.CampaignID, Step: commands.StepBeginTimedStart})
	}),
	QueueCheckManifest: route(func(ctx context.Context, h Handlers, m CheckManifest, meta commands.Meta) (commands.Result, error) {
		return h.Commands.CheckCampaignManifest(ctx, commands.CheckCampaignManifest{Meta: meta, CampaignID: m.CampaignID})
	}),
	QueueDeletedManifests: route(func(ctx context.Context, h Handlers, m DeletedManifest, meta commands.Meta) (commands.Result, error) {
		return h.Commands.DeleteManifest(ctx, commands.DeleteManifest{Meta: meta, ManifestID: m.ManifestID})
	}),
	QueueDeviceUpdated: route(func(ctx context.Context, h Handlers, m DeviceUpdated, meta commands.Meta) (commands.Result, error) {
		return h.Commands.PatchDevice(ctx, commands.PatchDevice{Meta: meta, DeviceID: m.DeviceID, Patch: m.patch()})
	}),
	QueueLogManifestSentDevices: route(func(ctx context.Context, h Handlers, m LogManifestSentDevices, meta commands.Meta) (commands.Result, error) {
		res, _, err := h.Commands.LogManifestSentDevices(ctx, commands.LogManifestSentDevices{Meta: meta, CampaignID: m.CampaignID,
			Reached: m.Reached, NotReached: m.NotReached, Reason: m.Reason})
		return res, err
	}),
	QueueUpdateDeploymentDevice: route(func(ctx context.Context, h Handlers, m UpdateDeploymentDevice, meta commands.Meta) (commands.Result, error) {
		if m.CampaignID == "" {
			return h.Commands.HandleDeviceNotification(ctx, commands.HandleDeviceNotification{Meta: meta, DeviceID: m.DeviceID,
				Path: commands.UpdateResultPath, Payload: strconv.Itoa(*m.UpdateResult)})
		}
		return h.Commands.ReportDeviceUpdate(ctx, updateResult(meta, m.DeviceID, m.CampaignID, *m.UpdateResult == 1, *m.UpdateResult,
			fmt.Sprintf("update result %d reported on %s", *m.UpdateResult, QueueUpdateDeploymentDevice)))
	}),
	QueueUpdateCampaignCache: route(func(ctx context.Context, h Handlers, m UpdateCampaignCache, meta commands.Meta) (commands.Result, error) {
		return commands.Result{}, h.ReadModels.RebuildCampaign(ctx, meta.Account, m.CampaignID)
	}),
	QueueAccountLimits: route(func(ctx context.Context, h Handlers, m AccountLimits, meta commands.Meta) (commands.Result, error) {
		return h.Commands.SetCampaignLimits(ctx, commands.SetCampaignLimits{Meta: meta, MaxActiveCampaigns: *m.MaxActiveCampaigns})
	}),
	QueueFirmwareAccountLimits: route(func(ctx context.Context, h Handlers, m FirmwareAccountLimits, meta commands.Meta) (commands.Result, error) {
		return h.Commands.SetFirmwareLimits(ctx, commands.SetFirmwareLimits{Meta: meta, MaxManifests: *m.MaxManifests, MaxPayloadBytes: *m.MaxPayloadBytes})
	}),
	QueueApplyFirmwareUpdate: route(func(ctx context.Context, h Handlers, m ApplyFirmwareUpdate, meta commands.Meta) (commands.Result, error) {
		return h.Commands.StartCampaign(ctx, commands.StartCampaign{Meta: meta, CampaignID: m.CampaignID})
	}),
	QueueStopCampaign: route(func(ctx context.Context, h Handlers, m StopCampaign, meta commands.Meta) (commands.Result, error) {
		return h.Commands.StopCampaign(ctx, commands.StopCampaign{Meta: meta, CampaignID: m.CampaignID})
	}),
	QueueCampaignDeviceState: route(func(ctx context.Context, h Handlers, m CampaignDeviceState, meta commands.Meta) (commands.Result, error) {
		if m.LwM2MState != nil {
			return h.Commands.HandleDeviceNotification(ctx, commands.HandleDeviceNotification{Meta: meta, DeviceID: m.DeviceID,
				Path: commands.UpdateStatePath, Payload: strconv.Itoa(*m.LwM2MState)})
		}
		reason := m.Reason
		if reason == "" {
			reason = fmt.Sprintf("%s reported on %s", m.State, QueueCampaignDeviceState)
		}
		return h.Commands.ReportDeviceUpdate(ctx, commands.ReportDeviceUpdate{Meta: meta, DeviceID: m.DeviceID, CampaignID: m.CampaignID,
			State: m.State, ResultCode: m.ResultCode, Reason: reason})
	}),
	QueueDeviceResourceManager: route(func(ctx context.Context, h Handlers, m DeviceResources, meta commands.Meta) (commands.Result, error) {
		return h.Commands.ReportDeviceResources(ctx, commands.ReportDeviceResources{Meta: meta, DeviceID: m.DeviceID,
			Resources: domain.DeviceResources{DeviceClass: m.DeviceClass, Vendor: m.VendorID, FirmwareHash: m.FirmwareChecksum}})
	}),
	QueueCampaignDeviceHeartbeat: route(func(ctx context.Context, h Handlers, m CampaignDeviceHeartbeat, meta commands.Meta) (commands.Result, error) {
		alive, err := h.ReadModels.TouchCampaignDevice(ctx, meta.Account, m.CampaignID, m.DeviceID, h.Now())
		if err == nil && !alive {
			err = domain.NotFoundError{Object: "device update in progress", ID: string(m.DeviceID) + " in campaign " + string(m.CampaignID)}
		}
		return commands.Result{}, err
	}),
	QueueDeviceUpdateReport: route(func(ctx context.Context, h Handlers, m DeviceUpdateReport, meta commands.Meta) (commands.Result, error) {
		reason := m.Description
		if reason == "" {
			reason = fmt.Sprintf("update report (success %t, result code %d)", *m.Success, m.ResultCode)
		}
		return h.Commands.ReportDeviceUpdate(ctx, updateResult(meta, m.DeviceID, m.campaign(), *m.Success, m.ResultCode, reason))
	}),
}

// updateResult is the command of an update result: deployed, or failed
// with the device's code.
func updateResult(meta commands.Meta, device domain.DeviceID, campaign domain.CampaignID, success bool, code int, reason string) commands.ReportDeviceUpdate {
	c := commands.ReportDeviceUpdate{Meta: meta, DeviceID: device, CampaignID: campaign, State: domain.UpdateDeployed, Reason: reason}
	if !success {
		c.State, c.ResultCode = domain.UpdateFailed, code
	}
	return c
}

// sendManifest is the campaign engine's send step for one device: record
// the write (pending → scheduled with its async id, unless it is
// scheduled already), write the manifest through the device connector,
// and record a refused write as failed_connector_channel_update. A
// temporary connector error is returned, for the retry middleware.
func sendManifest(ctx context.Context, h Handlers, m SendManifest, meta commands.Meta) (commands.Result, error) {
	// The update's state makes the record idempotent, and must decide on
	// a redelivery too, so the record goes without the message's command
	// id: with it, a redelivered message would find the record "handled"
	// and not learn that the device is scheduled.
	record := meta
	record.CommandID = ""
	res, scheduled, err := h.Commands.RecordManifestsSent(ctx, commands.RecordManifestsSent{Meta: record, CampaignID: m.CampaignID,
		Devices: []domain.DeviceID{m.DeviceID}})
	if err != nil {
		return res, err
	}
	if len(scheduled) == 0 {
		return res, domain.ConflictError{Reason: fmt.Sprintf("device %s has no manifest to receive in campaign %s", m.DeviceID, m.CampaignID)}
	}
	payload, err := h.Commands.ManifestWrite(ctx, meta.Account, m.CampaignID)
	if err != nil {
		return res, err
	}
	err = h.Sender.SendManifest(ctx, m.DeviceID, domain.AsyncID(m.CampaignID, m.DeviceID), payload)
	var permanent interface{ Permanent() bool }
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &permanent) && permanent.Permanent():
		failedMeta := meta
		failedMeta.CommandID += "/send-failed"
		res, _, err = h.Commands.ChangeDeviceStates(ctx, commands.ChangeDeviceStates{Meta: failedMeta, CampaignID: m.CampaignID,
			Devices: []domain.DeviceID{m.DeviceID}, From: []domain.UpdateState{domain.UpdateScheduled},
			Change: domain.UpdateChange{To: domain.UpdateFailedConnectorChannelUpdate, Reason: "device connector: " + err.Error()}})
		return res, err
	}
	return res, fmt.Errorf("device connector: %w", err)
}
