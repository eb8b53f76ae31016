package domain

import "fmt"

// Phase is a campaign's phase as Pelion Update v3 reports it.
type Phase string

// The campaign phases. A stopped campaign is never restarted.
const (
	PhaseDraft            Phase = "draft"
	PhaseAwaitingApproval Phase = "awaiting_approval"
	PhaseTimed            Phase = "timed"
	PhaseStarting         Phase = "starting"
	PhaseActive           Phase = "active"
	PhaseStopping         Phase = "stopping"
	PhaseStopped          Phase = "stopped"
	PhaseArchived         Phase = "archived"
	PhaseDeleted          Phase = "deleted"
)

// Phases lists every phase, in lifecycle order.
var Phases = []Phase{PhaseDraft, PhaseAwaitingApproval, PhaseTimed, PhaseStarting, PhaseActive,
	PhaseStopping, PhaseStopped, PhaseArchived, PhaseDeleted}

// ParsePhase parses a phase name.
func ParsePhase(s string) (Phase, error) { return parseEnum("phase", s, Phases) }

// State is Pelion's legacy campaign state: the step of the start pipeline
// the campaign is in, or how it ended. Clients validate it against exactly
// this list, so nothing else may ever be reported.
type State string

// The legacy campaign states.
const (
	StateDraft                 State = "draft"
	StateScheduled             State = "scheduled"
	StateAllocatingQuota       State = "allocatingquota"
	StateAllocatedQuota        State = "allocatedquota"
	StateQuotaAllocationFailed State = "quotaallocationfailed"
	StateCheckingManifest      State = "checkingmanifest"
	StateCheckedManifest       State = "checkedmanifest"
	StateDeviceFetch           State = "devicefetch"
	StateDeviceCopy            State = "devicecopy"
	StateDeviceCheck           State = "devicecheck"
	StatePublishing            State = "publishing"
	StateDeploying             State = "deploying"
	StateDeployed              State = "deployed"
	StateManifestRemoved       State = "manifestremoved"
	StateExpired               State = "expired"
	StateStopping              State = "stopping"
	StateAutoStopped           State = "autostopped"
	StateUserStopped           State = "userstopped"
	StateConflict              State = "conflict"
)

// States lists every legacy state.
var States = []State{StateDraft, StateScheduled, StateAllocatingQuota, StateAllocatedQuota,
	StateQuotaAllocationFailed, StateCheckingManifest, StateCheckedManifest, StateDeviceFetch,
	StateDeviceCopy, StateDeviceCheck, StatePublishing, StateDeploying, StateDeployed,
	StateManifestRemoved, StateExpired, StateStopping, StateAutoStopped, StateUserStopped, StateConflict}

// ParseState parses a legacy state name.
func ParseState(s string) (State, error) { return parseEnum("state", s, States) }

// UpdateState is a device's update state within one campaign: a superset of
// Pelion's deployment_state and Campaigner's device status.
type UpdateState string

// The per-device update states.
const (
	UpdatePending                      UpdateState = "pending"
	UpdateQueued                       UpdateState = "queued"
	UpdateSkipped                      UpdateState = "skipped"
	UpdateRejected                     UpdateState = "rejected"
	UpdateAwaitingConsent              UpdateState = "awaiting_consent"
	UpdateAccepted                     UpdateState = "accepted"
	UpdateScheduled                    UpdateState = "scheduled"
	UpdateUpdatedConnectorChannel      UpdateState = "updated_connector_channel"
	UpdateFailedConnectorChannelUpdate UpdateState = "failed_connector_channel_update"
	UpdateDownloading                  UpdateState = "downloading"
	UpdateInstalling                   UpdateState = "installing"
	UpdateDeployed                     UpdateState = "deployed"
	UpdateFailed                       UpdateState = "failed"
	UpdateTimedOut                     UpdateState = "timed_out"
	UpdateCancelled                    UpdateState = "cancelled"
	UpdateManifestRemoved              UpdateState = "manifestremoved"
	UpdateDeregistered                 UpdateState = "deregistered"
)

// UpdateStates lists every per-device update state.
var UpdateStates = []UpdateState{UpdatePending, UpdateQueued, UpdateSkipped, UpdateRejected, UpdateAwaitingConsent, UpdateAccepted, UpdateScheduled,
	UpdateUpdatedConnectorChannel, UpdateFailedConnectorChannelUpdate, UpdateDownloading,
	UpdateInstalling, UpdateDeployed, UpdateFailed, UpdateTimedOut, UpdateCancelled,
	UpdateManifestRemoved, UpdateDeregistered}

// ParseUpdateState parses a per-device update state name.
func ParseUpdateState(s string) (UpdateState, error) {
	return parseEnum("update state", s, UpdateStates)
}

// Terminal reports whether the device's update in the campaign is over:
// a terminal device no longer counts as being in an active campaign.
func (s UpdateState) Terminal() bool {
	switch s {
	case UpdateSkipped, UpdateRejected, UpdateFailedConnectorChannelUpdate, UpdateDeployed,
		UpdateFailed, UpdateTimedOut, UpdateCancelled, UpdateManifestRemoved, UpdateDeregistered:
		return true
	case UpdatePending, UpdateQueued, UpdateAwaitingConsent, UpdateAccepted, UpdateScheduled, UpdateUpdatedConnectorChannel,
		UpdateDownloading, UpdateInstalling:
		return false
	}
	return false
}

// DeploymentState maps the update state onto Pelion's six deployment_state
// values, the only ones generated Pelion clients accept.
func (s UpdateState) DeploymentState() string {
	switch s {
	case UpdatePending, UpdateQueued, UpdateSkipped, UpdateRejected, UpdateAwaitingConsent, UpdateAccepted, UpdateScheduled:
		return "pending"
	case UpdateUpdatedConnectorChannel, UpdateDownloading, UpdateInstalling, UpdateFailed,
		UpdateTimedOut, UpdateCancelled:
		return "updated_connector_channel"
	case UpdateFailedConnectorChannelUpdate:
		return "failed_connector_channel_update"
	case UpdateDeployed:
		return "deployed"
	case UpdateManifestRemoved:
		return "manifestremoved"
	case UpdateDeregistered:
		return "deregistered"
	}
	return "pending"
}

// CampaignerStatus maps the update state onto Campaigner's device status.
// Our scheduled (the manifest write is recorded and about to be sent) is
// Campaigner's accepted: the update is assigned to the device, as is our
// accepted (the user consented, the assignment is next). Campaigner's own
// scheduled means "awaiting the user's consent": our awaiting_consent.
func (s UpdateState) CampaignerStatus() string {
	switch s {
	case UpdatePending, UpdateQueued:
		return "requested"
	case UpdateSkipped, UpdateRejected:
		return "rejected"
	case UpdateAwaitingConsent:
		return "scheduled"
	case UpdateAccepted, UpdateScheduled, UpdateUpdatedConnectorChannel, UpdateDownloading, UpdateInstalling:
		return "accepted"
	case UpdateDeployed:
		return "successful"
	case UpdateFailedConnectorChannelUpdate, UpdateFailed, UpdateTimedOut:
		return "failed"
	case UpdateCancelled, UpdateManifestRemoved, UpdateDeregistered:
		return "cancelled"
	}
	return "requested"
}

// SkipReason says why a device matching a campaign's filter was not enrolled.
type SkipReason string

// The skip reasons, reported as reason codes in campaign-device metadata and
// statistics.
const (
	SkipAlreadyUpdated      SkipReason = "already_updated"
	SkipDeviceClassMismatch SkipReason = "device_class_mismatch"
	SkipDeregistered        SkipReason = "deregistered"
	SkipInOtherCampaign     SkipReason = "in_other_campaign"
)

// SkipReasons lists every skip reason.
var SkipReasons = []SkipReason{SkipAlreadyUpdated, SkipDeviceClassMismatch, SkipDeregistered, SkipInOtherCampaign}

// ParseSkipReason parses a skip reason.
func ParseSkipReason(s string) (SkipReason, error) { return parseEnum("skip reason", s, SkipReasons) }

// DeviceState is a device's catalog registration state.
type DeviceState string

// The device catalog states.
const (
	DeviceRegisteredState   DeviceState = "registered"
	DeviceDeregisteredState DeviceState = "deregistered"
)

// parseEnum finds s among the allowed values or says which were allowed.
func parseEnum[T ~string](what, s string, allowed []T) (T, error) {
	for _, v := range allowed {
		if string(v) == s {
			return v, nil
		}
	}
	return "", InvalidError{Field: what, Reason: fmt.Sprintf("%q is not one of %v", s, allowed)}
}
