package projections

import "github.com/updateservice/updateservice/domain"

// The Campaigner campaign statuses.
const (
	campaignerPrepared  = "prepared"
	campaignerLaunched  = "launched"
	campaignerFinished  = "finished"
	campaignerCancelled = "cancelled"
)

// campaignerStatus maps a campaign's phase and legacy state onto
// Campaigner's status: prepared before the start, launched until it stops,
// then finished if it ran its course and cancelled otherwise.
func campaignerStatus(phase domain.Phase, state domain.State) string {
	switch phase {
	case domain.PhaseDraft, domain.PhaseAwaitingApproval, domain.PhaseTimed:
		return campaignerPrepared
	case domain.PhaseStarting, domain.PhaseActive, domain.PhaseStopping:
		return campaignerLaunched
	case domain.PhaseStopped, domain.PhaseArchived:
		if state == domain.StateDeployed || state == domain.StateAutoStopped {
			return campaignerFinished
		}
		return campaignerCancelled
	case domain.PhaseDeleted:
		return campaignerCancelled
	}
	return campaignerPrepared
}

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
