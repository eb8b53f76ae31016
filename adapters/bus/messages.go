package bus

import (
	"errors"

	"github.com/updateservice/updateservice/domain"
)

// Message is the payload of one queue: a JSON object with snake_case
// fields (camelCase on Campaigner's queue, as Campaigner wrote them),
// validated on decode and before it is sent.
type Message interface {
	// Queue names the queue the message goes on.
	Queue() string
	// Key is the Kafka partition key: the id of the device, campaign,
	// manifest or account the message concerns, so that Kafka keeps the
	// messages about one of them in order.
	Key() string
	// Validate reports every problem of the payload at once, as
	// domain.InvalidError values.
	Validate() error
	account() domain.AccountID
}

// Account is the part every message has: the account it acts in. Objects
// of other accounts are not found.
type Account struct {
	AccountID domain.AccountID `json:"account_id"`
}

func (a Account) account() domain.AccountID { return a.AccountID }

// maxText bounds the free-text fields of a message (reasons, errors).
const maxText = 2000

// problems collects a payload's validation errors.
type problems []error

func (p *problems) add(err error) {
	if err != nil {
		*p = append(*p, err)
	}
}

func (p *problems) invalid(field, reason string) {
	p.add(domain.InvalidError{Field: field, Reason: reason})
}

func (p *problems) required(field string, missing bool) {
	if missing {
		p.invalid(field, "is required")
	}
}

// text checks a free-text field by the domain's text rules: a text the
// command refused would only be logged, while the message belongs in the
// poison queue.
func (p *problems) text(field, s string) {
	p.add(domain.CheckText(field, s, maxText, true))
}

// deref returns *v, or the zero value.
func deref[T any](v *T) T {
	var zero T
	if v == nil {
		return zero
	}
	return *v
}

func (p problems) err() error { return errors.Join(p...) }

// start checks the account every message carries.
func (a Account) start() *problems {
	p := &problems{}
	p.add(a.AccountID.Validate())
	return p
}

// NotificationSubscription says whether a device's update resource is
// subscribed for notifications now (connector-channel-handle-notification-subscription).
type NotificationSubscription struct {
	Account
	DeviceID   domain.DeviceID `json:"device_id"`
	Subscribed *bool           `json:"subscribed"`
}

// AsyncResponse is the device connector's answer to a manifest write
// (connector-channel-handle-async-response).
type AsyncResponse struct {
	Account
	// AsyncID is the id the manifest write used: "<account id in unpadded
	// base64url>.<campaign id>.<device id in unpadded base64url>"; its
	// account must be the message's.
	AsyncID string `json:"async_id"`
	// Status is the HTTP-like status of the write: 2xx delivered.
	Status *int `json:"status"`
	// Error is the connector's error text, if any.
	Error string `json:"error,omitempty"`
}

// SendManifest asks to write a campaign's manifest to one device, or to
// up to MaxReports devices at once, through the device connector
// (connector-channel-send-manifest).
type SendManifest struct {
	Account
	CampaignID domain.CampaignID `json:"campaign_id"`
	DeviceID   domain.DeviceID   `json:"device_id,omitempty"`
	// DeviceIDs, instead of DeviceID, names many devices of the campaign.
	DeviceIDs []domain.DeviceID `json:"device_ids,omitempty"`
	// Wave is the rollout wave the devices start in, kept on their
	// updates; optional (0: none).
	Wave int `json:"wave,omitempty"`
}

// devices are the devices the message names.
func (m SendManifest) devices() []domain.DeviceID {
	if m.DeviceIDs != nil {
		return m.DeviceIDs
	}
	return []domain.DeviceID{m.DeviceID}
}

// CampaignManager asks to start a timed campaign whose time has come
// (deployment-service-campaign-manager-with-retry).
type CampaignManager struct {
	Account
	CampaignID domain.CampaignID `json:"campaign_id"`
}

// CheckManifest asks to check a campaign's manifest and copy its timestamp
// (deployment-service-check-manifest).
type CheckManifest struct {
	Account
	CampaignID domain.CampaignID `json:"campaign_id"`
}

// DeletedManifest says a manifest is deleted: the campaigns using it stop
// as manifestremoved (deployment-service-deleted-manifests).
type DeletedManifest struct {
	Account
	ManifestID domain.ManifestID `json:"manifest_id"`
}

// DeviceUpdated is a change of a device's catalog record
// (deployment-service-device-updated): the fields present replace the
// catalog's, the absent ones stay.
type DeviceUpdated struct {
	Account
	DeviceID         domain.DeviceID `json:"device_id"`
	Name             *string         `json:"name,omitempty"`
	Description      *string         `json:"description,omitempty"`
	DeviceClass      *string         `json:"device_class,omitempty"`
	VendorID         *string         `json:"vendor_id,omitempty"`
	FirmwareChecksum *string         `json:"firmware_checksum,omitempty"`
	Groups           *[]string       `json:"groups,omitempty"`
	Mechanism        *string         `json:"mechanism,omitempty"`
	MechanismURL     *string         `json:"mechanism_url,omitempty"`
}

// LogManifestSentDevices re-logs which devices a campaign's manifest upload
// reached and which it could not reach
// (deployment-service-log-manifest-sent-devices).
type LogManifestSentDevices struct {
	Account
	CampaignID domain.CampaignID `json:"campaign_id"`
	Reached    []domain.DeviceID `json:"reached,omitempty"`
	NotReached []domain.DeviceID `json:"not_reached,omitempty"`
	// Reason says why the unreached devices were not reached.
	Reason string `json:"reason,omitempty"`
}

// UpdateDeploymentDevice is a device's firmware update result in a campaign
// from the connector channel (deployment-service-update-deployment-device):
// the value of the LwM2M update result resource /10252/0/3. Without a
// campaign id, the result is the device's in its active campaign, as a
// notification of the resource says (what the webhook knows).
type UpdateDeploymentDevice struct {
	Account
	CampaignID domain.CampaignID `json:"campaign_id,omitempty"`
	DeviceID   domain.DeviceID   `json:"device_id"`
	// UpdateResult is 1 for success, any other positive number a failure code.
	UpdateResult *int `json:"update_result"`
}

// UpdateCampaignCache asks to rebuild a campaign's read-model rows from its
// events (deployment-service-update-campaign-cache).
type UpdateCampaignCache struct {
	Account
	CampaignID domain.CampaignID `json:"campaign_id"`
}

// AccountLimits sets how many campaigns the account may run at once; 0 is
// unlimited (deployment-service-account-limits).
type AccountLimits struct {
	Account
	MaxActiveCampaigns *int `json:"max_active_campaigns"`
}

// FirmwareAccountLimits sets the account's firmware limits; 0 is unlimited
// (firmware-account-limits).
type FirmwareAccountLimits struct {
	Account
	MaxManifests    *int   `json:"max_manifests"`
	MaxPayloadBytes *int64 `json:"max_payload_bytes"`
}

// ApplyFirmwareUpdate starts a campaign (deployment-service-apply-firmware-update).
type ApplyFirmwareUpdate struct {
	Account
	CampaignID domain.CampaignID `json:"campaign_id"`
}

// StopCampaign stops a campaign (deployment-service-campaign-engine-stop-campaign).
type StopCampaign struct {
	Account
	CampaignID domain.CampaignID `json:"campaign_id"`
}

// CampaignDeviceState is a device's update state in a campaign reported
// by another system (deployment-service-campaign-device-state): State in
// a named campaign, or the raw value of the device's LwM2M update state
// resource /10252/0/2, which applies to the device's active campaign.
// Or, instead of those fields, Reports: a batch of reports of any kind
// about many devices (what the connector webhook sends), recorded
// together, each device's in the order given.
type CampaignDeviceState struct {
	Account
	// Reports is a batch of up to MaxReports reports; the fields below are
	// then left out.
	Reports    []ReportItem      `json:"reports,omitempty"`
	CampaignID domain.CampaignID `json:"campaign_id,omitempty"`
	DeviceID   domain.DeviceID   `json:"device_id"`
	// State is one of the update states but pending and skipped.
	State domain.UpdateState `json:"state,omitempty"`
	// LwM2MState is the /10252/0/2 value, instead of State and CampaignID.
	LwM2MState *int `json:"lwm2m_state,omitempty"`
	// ResultCode is required with state failed.
	ResultCode int    `json:"result_code,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// DeviceResources is the update-object metadata a device reported
// (update-service-device-resource-manager); an absent or empty value was
// not reported.
type DeviceResources struct {
	Account
	DeviceID         domain.DeviceID `json:"device_id"`
	DeviceClass      string          `json:"device_class,omitempty"`
	VendorID         string          `json:"vendor_id,omitempty"`
	FirmwareChecksum string          `json:"firmware_checksum,omitempty"`
}

// CampaignDeviceHeartbeat says a device updating in a campaign is alive
// (deployment-service-campaign-device-heartbeat).
type CampaignDeviceHeartbeat struct {
	Account
	CampaignID domain.CampaignID `json:"campaign_id"`
	DeviceID   domain.DeviceID   `json:"device_id"`
}

// asyncDevice returns the device an async id names, or "".
func (m AsyncResponse) asyncDevice() domain.DeviceID {
	_, _, device, _ := domain.ParseAsyncID(m.AsyncID)
	return device
}
