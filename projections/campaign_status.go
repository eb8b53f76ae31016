package projections

import "github.com/updateservice/updateservice/domain"

// stopReason is the autostop_reason text for how a campaign stopped: why
// it stopped or failed to start. A campaign that deployed to every device
// has no reason.
func stopReason(s domain.State) string {
	switch s {
	case domain.StateAutoStopped:
		return "The campaign reached its autostop success percentage."
	case domain.StateUserStopped:
		return "The campaign was stopped by a user."
	case domain.StateManifestRemoved:
		return "The campaign's manifest was deleted."
	case domain.StateQuotaAllocationFailed:
		return "The account's limit of active campaigns was reached."
	case domain.StateExpired:
		return "The campaign expired before every device finished."
	case domain.StateConflict:
		return "The campaign conflicted with another active campaign."
	case domain.StateDeployed, domain.StateDraft, domain.StateScheduled, domain.StateAllocatingQuota,
		domain.StateAllocatedQuota, domain.StateCheckingManifest, domain.StateCheckedManifest,
		domain.StateDeviceFetch, domain.StateDeviceCopy, domain.StateDeviceCheck, domain.StatePublishing,
		domain.StateDeploying, domain.StateStopping:
		return ""
	}
	return ""
}
