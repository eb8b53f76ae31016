package bus

import (
	"context"

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
	QueueAsyncResponse: route(reportsOf[AsyncResponse]),
	QueueSendManifest:  route(sendManifest),
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
	QueueUpdateDeploymentDevice: route(reportsOf[UpdateDeploymentDevice]),
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
	QueueCampaignDeviceState: route(reportsOf[CampaignDeviceState]),
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
	QueueDeviceUpdateReport: route(reportsOf[DeviceUpdateReport]),
	QueueCampaignAccepted:   route(acceptCampaign),
	QueueApproveCampaign: route(func(ctx context.Context, h Handlers, m ApproveCampaign, meta commands.Meta) (commands.Result, error) {
		return h.Commands.ApproveCampaign(ctx, commands.ApproveCampaign{Meta: meta, CampaignID: m.CampaignID})
	}),
	QueuePauseCampaign: route(func(ctx context.Context, h Handlers, m PauseCampaign, meta commands.Meta) (commands.Result, error) {
		return h.Commands.PauseCampaign(ctx, commands.PauseCampaign{Meta: meta, CampaignID: m.CampaignID, Reason: m.Reason})
	}),
	QueueResumeCampaign: route(func(ctx context.Context, h Handlers, m ResumeCampaign, meta commands.Meta) (commands.Result, error) {
		return h.Commands.ResumeCampaign(ctx, commands.ResumeCampaign{Meta: meta, CampaignID: m.CampaignID})
	}),
}

// reportsOf is the handling of a queue of device reports: every report
// queue reaches the same command, with one report or a batch.
func reportsOf[M interface{ reports() []domain.Report }](ctx context.Context, h Handlers, m M, meta commands.Meta) (commands.Result, error) {
	return recordReports(ctx, h, m.reports(), meta)
}

// sendManifest is the campaign engine's send step: the command that
// records and writes the manifest to the message's devices.
func sendManifest(ctx context.Context, h Handlers, m SendManifest, meta commands.Meta) (commands.Result, error) {
	res, _, err := h.Commands.SendManifests(ctx, h.Sender, commands.SendManifests{Meta: meta, CampaignID: m.CampaignID, Devices: m.devices(), Wave: m.Wave})
	return res, err
}
