// Package bus runs the service's queues: the seventeen queues of the
// original Update Service, Campaigner's device update reports and device
// events, the rollout queues (approve, pause, resume), and the poison topic, as one Watermill router on Kafka (production) or on an
// in-process Go channel (the embedded default). Each queue has one handler
// that decodes and validates its JSON payload and sends one command; the
// contracts are documented in QUEUES.md next to this file.
package bus

// The queue names. Each is a Kafka topic of exactly this name. They are
// the original service's names and part of the contract with the systems
// that publish on them: never rename one.
const (
	QueueNotificationSubscription = "connector-channel-handle-notification-subscription"
	QueueAsyncResponse            = "connector-channel-handle-async-response"
	QueueSendManifest             = "connector-channel-send-manifest"
	QueueCampaignManager          = "deployment-service-campaign-manager-with-retry"
	QueueCheckManifest            = "deployment-service-check-manifest"
	QueueDeletedManifests         = "deployment-service-deleted-manifests"
	QueueDeviceUpdated            = "deployment-service-device-updated"
	QueueLogManifestSentDevices   = "deployment-service-log-manifest-sent-devices"
	QueueUpdateDeploymentDevice   = "deployment-service-update-deployment-device"
	QueueUpdateCampaignCache      = "deployment-service-update-campaign-cache"
	QueueAccountLimits            = "deployment-service-account-limits"
	QueueFirmwareAccountLimits    = "firmware-account-limits"
	QueueApplyFirmwareUpdate      = "deployment-service-apply-firmware-update"
	QueueStopCampaign             = "deployment-service-campaign-engine-stop-campaign"
	QueueCampaignDeviceState      = "deployment-service-campaign-device-state"
	QueueDeviceResourceManager    = "update-service-device-resource-manager"
	QueueCampaignDeviceHeartbeat  = "deployment-service-campaign-device-heartbeat"

	// QueueDeviceUpdateReport carries Campaigner's DeviceUpdateReport
	// messages: a device's update result in a campaign.
	QueueDeviceUpdateReport = "deployment-service-device-update-report"
	// QueueCampaignAccepted carries Campaigner's device events, of which
	// it acts on campaign_accepted: a device's user accepted its update.
	QueueCampaignAccepted = "deployment-service-campaign-accepted"

	// The rollout queues, named in the deployment service's style: a
	// user's approve, pause and resume of a campaign, as the API's routes.
	QueueApproveCampaign = "deployment-service-approve-campaign"
	QueuePauseCampaign   = "deployment-service-pause-campaign"
	QueueResumeCampaign  = "deployment-service-resume-campaign"

	// QueuePoison receives the messages no handler could take: undecodable
	// or invalid ones at once, failing ones once their retries are spent.
	// Each keeps its payload (empty for oversized ones) with the metadata
	// MetadataReason and MetadataOriginalQueue.
	QueuePoison = "update-service-poison"
)

// Metadata keys of the messages (Kafka record headers).
const (
	// MetadataCorrelationID ties a message to the request or event that
	// caused it; it becomes the correlation id of the events it records.
	// Watermill's middleware uses the same key.
	MetadataCorrelationID = "correlation_id"
	// MetadataKey is the Kafka partition key the publisher uses: the id of
	// the device, campaign, manifest or account the message concerns.
	MetadataKey = "key"
	// MetadataReason says why a message went to the poison queue.
	MetadataReason = "reason"
	// MetadataOriginalQueue names the queue a poisoned message came from.
	MetadataOriginalQueue = "original_queue"
	// MetadataPayloadBytes gives the size of a poisoned message's payload
	// when it was dropped for being too large.
	MetadataPayloadBytes = "payload_bytes"
)

// Queue is one queue's fixed routing: the topic, the Watermill handler
// that consumes it and the Kafka consumer group of that handler. Handler
// and consumer group names are constants: renaming a consumer group makes
// Kafka deliver the whole topic again from the oldest offset.
type Queue struct {
	Name          string
	Handler       string
	ConsumerGroup string
}

// Queues lists every queue the router consumes, in the order of
// QUEUES.md: the seventeen original queues, then Campaigner's reports and
// device events, then the rollout queues.
var Queues = []Queue{
	{QueueNotificationSubscription, "handle-notification-subscription", "update-service.handle-notification-subscription"},
	{QueueAsyncResponse, "handle-async-response", "update-service.handle-async-response"},
	{QueueSendManifest, "send-manifest", "update-service.send-manifest"},
	{QueueCampaignManager, "campaign-manager", "update-service.campaign-manager"},
	{QueueCheckManifest, "check-manifest", "update-service.check-manifest"},
	{QueueDeletedManifests, "deleted-manifests", "update-service.deleted-manifests"},
	{QueueDeviceUpdated, "device-updated", "update-service.device-updated"},
	{QueueLogManifestSentDevices, "log-manifest-sent-devices", "update-service.log-manifest-sent-devices"},
	{QueueUpdateDeploymentDevice, "update-deployment-device", "update-service.update-deployment-device"},
	{QueueUpdateCampaignCache, "update-campaign-cache", "update-service.update-campaign-cache"},
	{QueueAccountLimits, "account-limits", "update-service.account-limits"},
	{QueueFirmwareAccountLimits, "firmware-account-limits", "update-service.firmware-account-limits"},
	{QueueApplyFirmwareUpdate, "apply-firmware-update", "update-service.apply-firmware-update"},
	{QueueStopCampaign, "stop-campaign", "update-service.stop-campaign"},
	{QueueCampaignDeviceState, "campaign-device-state", "update-service.campaign-device-state"},
	{QueueDeviceResourceManager, "device-resource-manager", "update-service.device-resource-manager"},
	{QueueCampaignDeviceHeartbeat, "campaign-device-heartbeat", "update-service.campaign-device-heartbeat"},
	{QueueDeviceUpdateReport, "device-update-report", "update-service.device-update-report"},
	{QueueCampaignAccepted, "campaign-accepted", "update-service.campaign-accepted"},
	{QueueApproveCampaign, "approve-campaign", "update-service.approve-campaign"},
	{QueuePauseCampaign, "pause-campaign", "update-service.pause-campaign"},
	{QueueResumeCampaign, "resume-campaign", "update-service.resume-campaign"},
}

// Topics returns every topic the service uses, the poison queue included:
// what a Kafka cluster must have (or auto-create).
func Topics() []string {
	out := make([]string, 0, len(Queues)+1)
	for _, q := range Queues {
		out = append(out, q.Name)
	}
	return append(out, QueuePoison)
}
