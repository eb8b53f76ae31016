package bus

import "errors"

// ParseMessage decodes and validates a payload of the named queue exactly
// as the queue's handler will, for tools that put payloads from a file on
// a queue: the message then gives the key the service would send it with
// (Message.Key). An unknown queue, or a payload the handler would poison,
// is an *InvalidMessageError.
func ParseMessage(queue string, payload []byte) (Message, error) {
	parse, ok := parsers[queue]
	if !ok {
		return nil, &InvalidMessageError{Queue: queue, Err: errUnknownQueue}
	}
	return parse(payload)
}

// errUnknownQueue is the reason of a payload for a queue the router does
// not consume.
var errUnknownQueue = errors.New("no such queue")

// parsers maps each queue of Queues to the decoding of its payload.
var parsers = map[string]func([]byte) (Message, error){}

func init() {
	add := func(queue string, parse func([]byte) (Message, error)) { parsers[queue] = parse }
	add(QueueNotificationSubscription, parserOf[NotificationSubscription])
	add(QueueAsyncResponse, parserOf[AsyncResponse])
	add(QueueSendManifest, parserOf[SendManifest])
	add(QueueCampaignManager, parserOf[CampaignManager])
	add(QueueCheckManifest, parserOf[CheckManifest])
	add(QueueDeletedManifests, parserOf[DeletedManifest])
	add(QueueDeviceUpdated, parserOf[DeviceUpdated])
	add(QueueLogManifestSentDevices, parserOf[LogManifestSentDevices])
	add(QueueUpdateDeploymentDevice, parserOf[UpdateDeploymentDevice])
	add(QueueUpdateCampaignCache, parserOf[UpdateCampaignCache])
	add(QueueAccountLimits, parserOf[AccountLimits])
	add(QueueFirmwareAccountLimits, parserOf[FirmwareAccountLimits])
	add(QueueApplyFirmwareUpdate, parserOf[ApplyFirmwareUpdate])
	add(QueueStopCampaign, parserOf[StopCampaign])
	add(QueueCampaignDeviceState, parserOf[CampaignDeviceState])
	add(QueueDeviceResourceManager, parserOf[DeviceResources])
	add(QueueCampaignDeviceHeartbeat, parserOf[CampaignDeviceHeartbeat])
	add(QueueDeviceUpdateReport, parserOf[DeviceUpdateReport])
	add(QueueCampaignAccepted, parserOf[CampaignAccepted])
	add(QueueApproveCampaign, parserOf[ApproveCampaign])
	add(QueuePauseCampaign, parserOf[PauseCampaign])
	add(QueueResumeCampaign, parserOf[ResumeCampaign])
}

func parserOf[M Message](payload []byte) (Message, error) {
	var zero M
	return decodeMessage[M](zero.Queue(), payload)
}
