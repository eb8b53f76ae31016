package domain

import (
	"fmt"
	"reflect"
	"time"

	// The events' JSON is decoded by the million (every command loads its
	// aggregates' streams, every projection reads every event): go-json
	// decodes them about five times faster than encoding/json, with the
	// same struct tags and results.
	json "github.com/goccy/go-json"
)

// Event is a fact recorded by an aggregate. Name is the stable event type
// stored in the event store and used as the message name on the bus.
type Event interface {
	Name() string
}

// Campaign events (stream campaign-<id>): lifecycle and batch summaries.

// CampaignCreated records a new campaign in draft.
type CampaignCreated struct {
	CampaignID             CampaignID `json:"campaign_id"`
	AccountID              AccountID  `json:"account_id"`
	CampaignName           string     `json:"name"`
	Description            string     `json:"description,omitempty"`
	ManifestID             ManifestID `json:"root_manifest_id"`
	DeviceFilter           string     `json:"device_filter"`
	Strategy               string     `json:"campaign_strategy"`
	ApprovalRequired       bool       `json:"approval_required"`
	Autostop               bool       `json:"autostop"`
	AutostopSuccessPercent float64    `json:"autostop_success_percent"`
	When                   *time.Time `json:"when,omitempty"`
	// Rollout is the rollout policy, normalized; absent without one.
	Rollout *RolloutPolicy `json:"rollout_policy,omitempty"`
	// The Campaigner fields, absent from campaigns made through /v3.
	UpdateID        UpdateID           `json:"update_id,omitempty"`
	Groups          []string           `json:"groups,omitempty"`
	Metadata        []CampaignMetadata `json:"metadata,omitempty"`
	ConsentRequired bool               `json:"consent_required,omitempty"`
	// The retry fields (Campaign rule 14), absent but from retry campaigns.
	MainCampaignID CampaignID `json:"main_campaign_id,omitempty"`
	FailureCode    string     `json:"failure_code,omitempty"`
	Devices        []DeviceID `json:"devices,omitempty"`
	At             time.Time  `json:"at"`
}

// CampaignEdited records new values of a campaign's editable fields; in
// draft every field, later only name and description.
type CampaignEdited struct {
	CampaignName           string     `json:"name"`
	Description            string     `json:"description,omitempty"`
	ManifestID             ManifestID `json:"root_manifest_id"`
	DeviceFilter           string     `json:"device_filter"`
	Strategy               string     `json:"campaign_strategy"`
	ApprovalRequired       bool       `json:"approval_required"`
	Autostop               bool       `json:"autostop"`
	AutostopSuccessPercent float64    `json:"autostop_success_percent"`
	When                   *time.Time `json:"when,omitempty"`
	// Rollout is the rollout policy, normalized; absent without one.
	Rollout *RolloutPolicy `json:"rollout_policy,omitempty"`
	// The Campaigner fields, absent from campaigns made through /v3.
	UpdateID        UpdateID           `json:"update_id,omitempty"`
	Groups          []string           `json:"groups,omitempty"`
	Metadata        []CampaignMetadata `json:"metadata,omitempty"`
	ConsentRequired bool               `json:"consent_required,omitempty"`
	// The retry fields (Campaign rule 14), absent but from retry campaigns.
	MainCampaignID CampaignID `json:"main_campaign_id,omitempty"`
	FailureCode    string     `json:"failure_code,omitempty"`
	Devices        []DeviceID `json:"devices,omitempty"`
	At             time.Time  `json:"at"`
}

// CampaignStartRequested records that a user asked to start the campaign.
// Phase says where that led: awaiting_approval, timed (when in the future)
// or starting.
type CampaignStartRequested struct {
	Phase Phase     `json:"phase"`
	At    time.Time `json:"at"`
}

// CampaignApproved records the approval of a campaign awaiting it; Phase is
// timed or starting.
type CampaignApproved struct {
	Phase Phase     `json:"phase"`
	At    time.Time `json:"at"`
}

// CampaignStarting records that a timed campaign's time has come.
type CampaignStarting struct {
	At time.Time `json:"at"`
}

// CampaignQuotaAllocated records the reservation of the account's campaign
// quota for the campaign.
type CampaignQuotaAllocated struct {
	At time.Time `json:"at"`
}

// CampaignManifestChecked records a valid manifest and copies its timestamp
// to the campaign.
type CampaignManifestChecked struct {
	ManifestTimestamp time.Time `json:"manifest_timestamp"`
	At                time.Time `json:"at"`
}

// CampaignBatchProcessed summarizes one page of devices of the campaign's
// filter: how many were enrolled and skipped, by reason, and where the next
// page starts. Per-device facts live in device streams.
type CampaignBatchProcessed struct {
	Batch    int                `json:"batch"`
	Enrolled int                `json:"enrolled"`
	Skipped  map[SkipReason]int `json:"skipped,omitempty"`
	Cursor   string             `json:"cursor"`
	Last     bool               `json:"last"`
	At       time.Time          `json:"at"`
}

// CampaignPublishing records that every device page was processed and the
// manifests are being published.
type CampaignPublishing struct {
	At time.Time `json:"at"`
}

// CampaignDeploying records that the campaign is active: manifests are being
// delivered to the enrolled devices.
type CampaignDeploying struct {
	At time.Time `json:"at"`
}

// CampaignStopRequested records a stop in progress (phase stopping).
type CampaignStopRequested struct {
	Reason State `json:"reason"`
	// Detail says why an abort rule stopped the campaign (its autostop
	// reason); empty for other stops.
	Detail string    `json:"detail,omitempty"`
	At     time.Time `json:"at"`
}

// CampaignStopped records the end of a campaign. State is how it ended:
// deployed, autostopped, userstopped, manifestremoved, quotaallocationfailed,
// expired or conflict.
type CampaignStopped struct {
	State State     `json:"state"`
	At    time.Time `json:"at"`
}

// CampaignArchived records the archiving of a stopped campaign.
type CampaignArchived struct {
	At time.Time `json:"at"`
}

// CampaignDeleted records the deletion of a draft campaign.
type CampaignDeleted struct {
	At time.Time `json:"at"`
}

// Device events (stream device-<account>-<id>): the catalog record and the
// device's update in each campaign.

// DeviceRegistered records a device joining the catalog, or rejoining it
// after a de-registration.
type DeviceRegistered struct {
	AccountID    AccountID `json:"account_id"`
	DeviceID     DeviceID  `json:"device_id"`
	DeviceName   string    `json:"name,omitempty"`
	Description  string    `json:"description,omitempty"`
	DeviceClass  string    `json:"device_class"`
	Vendor       string    `json:"vendor_id,omitempty"`
	FirmwareHash string    `json:"firmware_checksum,omitempty"`
	Groups       []string  `json:"groups,omitempty"`
	Mechanism    string    `json:"mechanism"`
	MechanismURL string    `json:"mechanism_url,omitempty"`
	At           time.Time `json:"at"`
}

// DeviceUpdated records new catalog attributes of a registered device.
type DeviceUpdated struct {
	DeviceName   string    `json:"name,omitempty"`
	Description  string    `json:"description,omitempty"`
	DeviceClass  string    `json:"device_class"`
	Vendor       string    `json:"vendor_id,omitempty"`
	FirmwareHash string    `json:"firmware_checksum,omitempty"`
	Groups       []string  `json:"groups,omitempty"`
	Mechanism    string    `json:"mechanism"`
	MechanismURL string    `json:"mechanism_url,omitempty"`
	At           time.Time `json:"at"`
}

// DeviceDeregistered records a device leaving the catalog.
type DeviceDeregistered struct {
	At time.Time `json:"at"`
}

// DeviceResourcesReported records the update-object metadata a device
// reported: class, vendor and current firmware hash.
type DeviceResourcesReported struct {
	DeviceClass  string    `json:"device_class"`
	Vendor       string    `json:"vendor_id,omitempty"`
	FirmwareHash string    `json:"firmware_checksum,omitempty"`
	At           time.Time `json:"at"`
}

// DeviceSubscriptionChanged records whether the device's update resource is
// subscribed for notifications.
type DeviceSubscriptionChanged struct {
	Subscribed bool      `json:"subscribed"`
	At         time.Time `json:"at"`
}

// DeviceEnrolled records a device joining a campaign (state pending). From
// then until a terminal state the campaign is the device's active campaign.
type DeviceEnrolled struct {
	CampaignID CampaignID `json:"campaign_id"`
	ManifestID ManifestID `json:"manifest_id"`
	// Queued enrols a device that another campaign holds (conflict policy
	// queue): its update waits in queued, the campaign not its active
	// one, until it is free.
	Queued bool      `json:"queued,omitempty"`
	At     time.Time `json:"at"`
}

// State is the update state the enrolment starts in: pending, or queued.
func (e DeviceEnrolled) State() UpdateState {
	if e.Queued {
		return UpdateQueued
	}
	return UpdatePending
}

// DeviceSkipped records a device matching a campaign's filter that was not
// enrolled, with the reason.
type DeviceSkipped struct {
	CampaignID CampaignID `json:"campaign_id"`
	Reason     SkipReason `json:"reason"`
	At         time.Time  `json:"at"`
}

// DeviceUpdateStateChanged records a step of the device's update in a
// campaign. From is the state before, so read models can move counters
// without reading the previous row.
type DeviceUpdateStateChanged struct {
	CampaignID CampaignID  `json:"campaign_id"`
	From       UpdateState `json:"from"`
	To         UpdateState `json:"to"`
	ResultCode int         `json:"result_code,omitempty"`
	Wave       int         `json:"wave,omitempty"` // the rollout wave it was started in, on every change from its start on; 0: none
	// FailureCode is a failure's code as text, when the system that
	// reported it has no numeric one (see UpdateChange).
	FailureCode string `json:"failure_code,omitempty"`
	Reason      string `json:"reason,omitempty"`
	AsyncID     string `json:"async_id,omitempty"`
	// Attempt, set on a retry (a failed or timed-out update back to
	// pending), numbers the attempt that starts: 2 for the first retry.
	Attempt int       `json:"attempt,omitempty"`
	At      time.Time `json:"at"`
}

// DeviceUpdateCancelRequested records a user's cancel of the device's
// update in a campaign while it is under way (scheduled to installing):
// the campaign engine cancels it, in the Director for a campaign it
// assigns, and records cancelled what was cancelled. Recorded first, the
// request outlives a restart of the engine.
type DeviceUpdateCancelRequested struct {
	CampaignID CampaignID `json:"campaign_id"`
	Reason     string     `json:"reason,omitempty"`
	At         time.Time  `json:"at"`
}

// Name is the event's stable type name.
func (DeviceUpdateCancelRequested) Name() string { return "DeviceUpdateCancelRequested" }

// Manifest events (stream manifest-<id>).

// ManifestRegistered records a firmware manifest in the catalog.
type ManifestRegistered struct {
	ManifestID    ManifestID `json:"manifest_id"`
	AccountID     AccountID  `json:"account_id"`
	ManifestName  string     `json:"name"`
	Description   string     `json:"description,omitempty"`
	DeviceClass   string     `json:"device_class"`
	Vendor        string     `json:"device_vendor,omitempty"`
	Timestamp     time.Time  `json:"timestamp"`
	SchemaVersion string     `json:"manifest_schema_version,omitempty"`
	PayloadType   string     `json:"delivered_payload_type"`
	PayloadURL    string     `json:"delivered_payload_url"`
	PayloadDigest string     `json:"delivered_payload_digest"`
	PayloadSize   int64      `json:"delivered_payload_size"`
	DatafileURL   string     `json:"datafile,omitempty"`
	DatafileSize  int64      `json:"datafile_size,omitempty"`
	KeyTableURL   string     `json:"key_table,omitempty"`
	// What a manifest file tells beyond the fields above; absent from
	// manifests registered by their fields.
	PrecursorDigest   string          `json:"precursor_payload_digest,omitempty"`
	UpdatePriority    int64           `json:"update_priority,omitempty"`
	ComponentName     string          `json:"component_name,omitempty"`
	PayloadVersion    string          `json:"payload_version,omitempty"`
	ParsedRawManifest json.RawMessage `json:"parsed_raw_manifest,omitempty"`
	// The uploaded manifest file and key table themselves (base64 in the
	// JSON): served at the datafile and key_table URLs.
	File     []byte    `json:"datafile_content,omitempty"`
	KeyTable []byte    `json:"key_table_content,omitempty"`
	At       time.Time `json:"at"`
}

// ManifestDeleted records the deletion of a manifest; campaigns using it
// stop as manifestremoved.
type ManifestDeleted struct {
	At time.Time `json:"at"`
}

// Firmware image events (stream firmware-image-<id>).

// FirmwareImageUploaded records a firmware image whose content is stored
// as blob BlobKey: Size bytes whose SHA-256 is Checksum (hex).
type FirmwareImageUploaded struct {
	FirmwareImageID FirmwareImageID `json:"firmware_image_id"`
	AccountID       AccountID       `json:"account_id"`
	ImageName       string          `json:"name"`
	Description     string          `json:"description,omitempty"`
	BlobKey         string          `json:"blob_key"`
	Checksum        string          `json:"datafile_checksum"`
	Size            int64           `json:"datafile_size"`
	At              time.Time       `json:"at"`
}

// FirmwareImageDeleted records the deletion of a firmware image; its blob
// is deleted after this is recorded.
type FirmwareImageDeleted struct {
	At time.Time `json:"at"`
}

// Upload job events (stream upload-job-<id>).

// UploadJobCreated records an upload job: an image to be sent in chunks.
type UploadJobCreated struct {
	UploadJobID UploadJobID `json:"upload_job_id"`
	AccountID   AccountID   `json:"account_id"`
	JobName     string      `json:"name"`
	Description string      `json:"description,omitempty"`
	At          time.Time   `json:"at"`
}

// UploadJobEdited records a job's new name and description.
type UploadJobEdited struct {
	JobName     string    `json:"name"`
	Description string    `json:"description,omitempty"`
	At          time.Time `json:"at"`
}

// UploadJobChunkAppended records chunk Chunk (from 0) of a job, stored as
// blob BlobKey: Length bytes whose MD5 is Hash (base64). HashState is the
// image's running SHA-256 after this chunk (the digest's binary state), so
// completing the job needs no second read of the chunks.
type UploadJobChunkAppended struct {
	Chunk     int       `json:"chunk"`
	Length    int64     `json:"length"`
	Hash      string    `json:"hash"`
	BlobKey   string    `json:"blob_key"`
	HashState []byte    `json:"hash_state"`
	At        time.Time `json:"at"`
}

// UploadJobCompleted records that a job's chunks became firmware image
// FirmwareImageID.
type UploadJobCompleted struct {
	FirmwareImageID FirmwareImageID `json:"firmware_image_id"`
	At              time.Time       `json:"at"`
}

// UploadJobDeleted records the deletion of a job; its chunks' blobs are
// deleted after this is recorded.
type UploadJobDeleted struct {
	At time.Time `json:"at"`
}

// Webhook events (stream webhook-<id>).

// WebhookRegistered records an outgoing webhook of an account: where its
// deliveries go, which kinds it wants (none listed: all) and the secret
// that signs them.
type WebhookRegistered struct {
	WebhookID   WebhookID `json:"webhook_id"`
	AccountID   AccountID `json:"account_id"`
	URL         string    `json:"url"`
	Secret      string    `json:"secret"`
	Events      []string  `json:"events,omitempty"`
	Description string    `json:"description,omitempty"`
	At          time.Time `json:"at"`
}

// WebhookDeleted records the deletion of a webhook: it gets no new
// deliveries.
type WebhookDeleted struct {
	At time.Time `json:"at"`
}

// Account events (stream account-<id>).

// AccountCampaignLimitsSet records the account's update-campaign limit
// (deployment-service-account-limits). Zero means unlimited.
type AccountCampaignLimitsSet struct {
	AccountID          AccountID `json:"account_id"`
	MaxActiveCampaigns int       `json:"max_active_campaigns"`
	At                 time.Time `json:"at"`
}

// AccountFirmwareLimitsSet records the account's firmware limits
// (firmware-account-limits). Zero means unlimited.
type AccountFirmwareLimitsSet struct {
	AccountID       AccountID `json:"account_id"`
	MaxManifests    int       `json:"max_manifests"`
	MaxPayloadBytes int64     `json:"max_payload_bytes"`
	At              time.Time `json:"at"`
}

// AccountQuotaReserved records that a campaign took one of the account's
// active-campaign slots.
type AccountQuotaReserved struct {
	CampaignID CampaignID `json:"campaign_id"`
	At         time.Time  `json:"at"`
}

// AccountQuotaReleased records that a stopped campaign gave its slot back.
type AccountQuotaReleased struct {
	CampaignID CampaignID `json:"campaign_id"`
	At         time.Time  `json:"at"`
}

// AccountManifestCounted records a manifest added to (+1) or removed from
// (-1) the account's firmware catalog, for the firmware limits.
type AccountManifestCounted struct {
	ManifestID ManifestID `json:"manifest_id"`
	Delta      int        `json:"delta"`
	At         time.Time  `json:"at"`
}

// CampaignWaveStarted records the start of a rollout wave (Campaign rule
// 17): the devices started from now on are the wave's, up to Size.
type CampaignWaveStarted struct {
	Wave int       `json:"wave"`
	Size int       `json:"size"`
	At   time.Time `json:"at"`
}

// CampaignWaveSucceeded records that a wave's deployed devices reached its
// success threshold; the next wave's soak counts from At.
type CampaignWaveSucceeded struct {
	Wave int       `json:"wave"`
	At   time.Time `json:"at"`
}

// CampaignPaused records a pause (Campaign rule 21): by a user, by an abort
// rule (Rule, 1-based), or by a wave that ended below its threshold.
type CampaignPaused struct {
	Cause  PauseCause `json:"cause"`
	Reason string     `json:"reason"`
	Rule   int        `json:"rule,omitempty"`
	Wave   int        `json:"wave,omitempty"`
	At     time.Time  `json:"at"`
}

// CampaignResumed records a user's resume of a paused campaign.
type CampaignResumed struct {
	At time.Time `json:"at"`
}

// Update events (stream update-<id>).

// UpdateCreated records a new Campaigner update: its source (with the
// built-in catalog, a manifest of the account) and its name.
type UpdateCreated struct {
	UpdateID    UpdateID  `json:"update_id"`
	AccountID   AccountID `json:"account_id"`
	SourceID    string    `json:"source_id"`
	SourceType  string    `json:"source_type"`
	UpdateName  string    `json:"name"`
	Description string    `json:"description,omitempty"`
	At          time.Time `json:"at"`
}

// The stable event type names.
func (CampaignCreated) Name() string           { return "CampaignCreated" }
func (CampaignEdited) Name() string            { return "CampaignEdited" }
func (CampaignStartRequested) Name() string    { return "CampaignStartRequested" }
func (CampaignApproved) Name() string          { return "CampaignApproved" }
func (CampaignStarting) Name() string          { return "CampaignStarting" }
func (CampaignQuotaAllocated) Name() string    { return "CampaignQuotaAllocated" }
func (CampaignManifestChecked) Name() string   { return "CampaignManifestChecked" }
func (CampaignBatchProcessed) Name() string    { return "CampaignBatchProcessed" }
func (CampaignPublishing) Name() string        { return "CampaignPublishing" }
func (CampaignDeploying) Name() string         { return "CampaignDeploying" }
func (CampaignStopRequested) Name() string     { return "CampaignStopRequested" }
func (CampaignStopped) Name() string           { return "CampaignStopped" }
func (CampaignArchived) Name() string          { return "CampaignArchived" }
func (CampaignDeleted) Name() string           { return "CampaignDeleted" }
func (CampaignWaveStarted) Name() string       { return "CampaignWaveStarted" }
func (CampaignWaveSucceeded) Name() string     { return "CampaignWaveSucceeded" }
func (CampaignPaused) Name() string            { return "CampaignPaused" }
func (CampaignResumed) Name() string           { return "CampaignResumed" }
func (DeviceRegistered) Name() string          { return "DeviceRegistered" }
func (DeviceUpdated) Name() string             { return "DeviceUpdated" }
func (DeviceDeregistered) Name() string        { return "DeviceDeregistered" }
func (DeviceResourcesReported) Name() string   { return "DeviceResourcesReported" }
func (DeviceSubscriptionChanged) Name() string { return "DeviceSubscriptionChanged" }
func (DeviceEnrolled) Name() string            { return "DeviceEnrolled" }
func (DeviceSkipped) Name() string             { return "DeviceSkipped" }
func (DeviceUpdateStateChanged) Name() string  { return "DeviceUpdateStateChanged" }
func (ManifestRegistered) Name() string        { return "ManifestRegistered" }
func (ManifestDeleted) Name() string           { return "ManifestDeleted" }
func (AccountCampaignLimitsSet) Name() string  { return "AccountCampaignLimitsSet" }
func (AccountFirmwareLimitsSet) Name() string  { return "AccountFirmwareLimitsSet" }
func (AccountQuotaReserved) Name() string      { return "AccountQuotaReserved" }
func (AccountQuotaReleased) Name() string      { return "AccountQuotaReleased" }
func (AccountManifestCounted) Name() string    { return "AccountManifestCounted" }
func (UpdateCreated) Name() string             { return "UpdateCreated" }
func (FirmwareImageUploaded) Name() string     { return "FirmwareImageUploaded" }
func (FirmwareImageDeleted) Name() string      { return "FirmwareImageDeleted" }
func (UploadJobCreated) Name() string          { return "UploadJobCreated" }
func (UploadJobEdited) Name() string           { return "UploadJobEdited" }
func (UploadJobChunkAppended) Name() string    { return "UploadJobChunkAppended" }
func (UploadJobCompleted) Name() string        { return "UploadJobCompleted" }
func (UploadJobDeleted) Name() string          { return "UploadJobDeleted" }
func (WebhookRegistered) Name() string         { return "WebhookRegistered" }
func (WebhookDeleted) Name() string            { return "WebhookDeleted" }

// eventTypes maps each stored event type name to a constructor of its Go
// type, for decoding. Every event type must be listed here.
var eventTypes = map[string]func(data []byte) (Event, error){}

func init() {
	for _, e := range []Event{
		CampaignCreated{}, CampaignEdited{}, CampaignStartRequested{}, CampaignApproved{},
		CampaignStarting{}, CampaignQuotaAllocated{}, CampaignManifestChecked{},
		CampaignBatchProcessed{}, CampaignPublishing{}, CampaignDeploying{},
		CampaignStopRequested{}, CampaignStopped{}, CampaignArchived{}, CampaignDeleted{},
		CampaignWaveStarted{}, CampaignWaveSucceeded{}, CampaignPaused{}, CampaignResumed{},
		DeviceRegistered{}, DeviceUpdated{}, DeviceDeregistered{}, DeviceResourcesReported{},
		DeviceSubscriptionChanged{}, DeviceEnrolled{}, DeviceSkipped{}, DeviceUpdateStateChanged{},
		DeviceUpdateCancelRequested{}, ManifestRegistered{}, ManifestDeleted{},
		AccountCampaignLimitsSet{}, AccountFirmwareLimitsSet{}, AccountQuotaReserved{},
		AccountQuotaReleased{}, AccountManifestCounted{}, UpdateCreated{},
		FirmwareImageUploaded{}, FirmwareImageDeleted{},
		UploadJobCreated{}, UploadJobEdited{}, UploadJobChunkAppended{}, UploadJobCompleted{}, UploadJobDeleted{},
		WebhookRegistered{}, WebhookDeleted{},
	} {
		registerEvent(e)
	}
}

// registerEvent lists e's type for decoding. The type comes from the value,
// not from a type parameter: the init loop passes every event as an Event,
// and decoding into the interface type would fail for every stored event.
func registerEvent(e Event) {
	t := reflect.TypeOf(e)
	eventTypes[e.Name()] = func(data []byte) (Event, error) {
		v := reflect.New(t)
		if err := json.Unmarshal(data, v.Interface()); err != nil {
			return nil, err
		}
		return v.Elem().Interface().(Event), nil
	}
}

// EncodeEvent returns the stored form of an event: its type name and JSON.
func EncodeEvent(e Event) (name string, data []byte, err error) {
	data, err = json.Marshal(e)
	if err != nil {
		return "", nil, fmt.Errorf("domain.EncodeEvent %s: %w", e.Name(), err)
	}
	return e.Name(), data, nil
}

// DecodeEvent turns a stored event back into its Go value (not a pointer).
// An unknown type name is an error: a reader must never silently skip a fact.
func DecodeEvent(name string, data []byte) (Event, error) {
	decode, ok := eventTypes[name]
	if !ok {
		return nil, fmt.Errorf("domain.DecodeEvent: unknown event type %q", name)
	}
	e, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("domain.DecodeEvent %s: %w", name, err)
	}
	return e, nil
}
