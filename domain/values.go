package domain

// Strategy is a campaign's strategy as Pelion names it.
type Strategy string

// The campaign strategies: a one-shot campaign updates the devices matching
// its filter when it starts; a continuous one also takes devices that match
// later.
const (
	StrategyOneShot    Strategy = "one-shot"
	StrategyContinuous Strategy = "continuous"
)

// Strategies lists every campaign strategy.
var Strategies = []Strategy{StrategyOneShot, StrategyContinuous}

// ParseStrategy parses a campaign strategy name.
func ParseStrategy(s string) (Strategy, error) { return parseEnum("campaign_strategy", s, Strategies) }

// CampaignStatus is Campaigner's view of a campaign's lifecycle.
type CampaignStatus string

// The Campaigner campaign statuses.
const (
	CampaignPrepared  CampaignStatus = "prepared"
	CampaignLaunched  CampaignStatus = "launched"
	CampaignFinished  CampaignStatus = "finished"
	CampaignCancelled CampaignStatus = "cancelled"
)

// Mechanism is how a device receives its manifest, as Pelion names it.
type Mechanism string

// The delivery mechanisms: through the device connector, or directly.
const (
	MechanismConnector Mechanism = "connector"
	MechanismDirect    Mechanism = "direct"
)

// Mechanisms lists every delivery mechanism.
var Mechanisms = []Mechanism{MechanismConnector, MechanismDirect}

// ParseMechanism parses a delivery mechanism name.
func ParseMechanism(s string) (Mechanism, error) { return parseEnum("mechanism", s, Mechanisms) }

// PayloadType says whether a manifest delivers a whole firmware image or a
// delta against the firmware the device runs.
type PayloadType string

// The delivered payload types.
const (
	PayloadFull  PayloadType = "full"
	PayloadDelta PayloadType = "delta"
)

// PayloadTypes lists every delivered payload type.
var PayloadTypes = []PayloadType{PayloadFull, PayloadDelta}

// ParsePayloadType parses a delivered payload type.
func ParsePayloadType(s string) (PayloadType, error) {
	return parseEnum("delivered_payload_type", s, PayloadTypes)
}

// StopReason reports whether s may be asked for when stopping a running
// campaign: by its user, or by the engine when it expired, conflicted or
// lost its manifest.
func (s State) StopReason() bool {
	switch s {
	case StateUserStopped, StateManifestRemoved, StateExpired, StateConflict:
		return true
	case StateDraft, StateScheduled, StateAllocatingQuota, StateAllocatedQuota,
		StateQuotaAllocationFailed, StateCheckingManifest, StateCheckedManifest,
		StateDeviceFetch, StateDeviceCopy, StateDeviceCheck, StatePublishing,
		StateDeploying, StateDeployed, StateStopping, StateAutoStopped:
		return false
	}
	return false
}

// Final reports whether s is a way a campaign ends: the state of every
// stopped campaign is one of these.
func (s State) Final() bool {
	switch s {
	case StateUserStopped, StateManifestRemoved, StateExpired, StateConflict,
		StateAutoStopped, StateDeployed, StateQuotaAllocationFailed:
		return true
	case StateDraft, StateScheduled, StateAllocatingQuota, StateAllocatedQuota,
		StateCheckingManifest, StateCheckedManifest, StateDeviceFetch,
		StateDeviceCopy, StateDeviceCheck, StatePublishing, StateDeploying, StateStopping:
		return false
	}
	return false
}

// Succeeded reports whether a campaign that ended in s did its job:
// Campaigner calls it finished rather than cancelled.
func (s State) Succeeded() bool { return s == StateDeployed || s == StateAutoStopped }

// CampaignStatuses lists every Campaigner campaign status.
var CampaignStatuses = []CampaignStatus{CampaignPrepared, CampaignLaunched, CampaignFinished, CampaignCancelled}

// ParseCampaignStatus parses a Campaigner campaign status.
func ParseCampaignStatus(s string) (CampaignStatus, error) {
	return parseEnum("status", s, CampaignStatuses)
}
