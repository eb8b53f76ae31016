package projections

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// metadataRow is a row of campaign_device_metadata; the json tags are its
// columns.
type metadataRow struct {
	ID               string             `json:"id"`
	AccountID        string             `json:"account_id"`
	CampaignID       string             `json:"campaign_id"`
	DeviceID         string             `json:"device_id"`
	DeploymentState  string             `json:"deployment_state"`
	UpdateState      domain.UpdateState `json:"update_state"`
	CampaignerStatus string             `json:"campaigner_status"`
	ResultCode       *int               `json:"result_code"`
	Reason           string             `json:"reason"`
	SkipReason       domain.SkipReason  `json:"skip_reason"`
	Mechanism        string             `json:"mechanism"`
	MechanismURL     string             `json:"mechanism_url"`
	Name             string             `json:"name"`
	Description      string             `json:"description"`
	CreatedAt        time.Time          `json:"created_at"`
	UpdatedAt        time.Time          `json:"updated_at"`
	Etag             string             `json:"etag"`
	FailureCode      string             `json:"failure_code"`
	CancelRequested  bool               `json:"cancel_requested"`
	Wave             int                `json:"wave"`
	Attempts         int                `json:"attempts"`
}

var metadataTable = newTableSpec[metadataRow]("campaign_device_metadata", "id")

// metadataNamespace seeds the metadata ids. Changing it changes every
// metadata id the API has handed out.
var metadataNamespace = uuid.MustParse("2df82683-bd8c-4e9d-b81a-2d9f9d43f9d0")

// MetadataID returns the id of a device's campaign-device metadata record:
// 32 hex digits like Pelion's ids, derived from the campaign and the
// device so that a rebuild hands out the same ids.
func MetadataID(campaign domain.CampaignID, device domain.DeviceID) string {
	id := uuid.NewSHA1(metadataNamespace, []byte(string(campaign)+keySep+string(device)))
	return hex.EncodeToString(id[:]) // the UUID's text without its dashes
}

// defaultMechanism is the mechanism of a device the catalog does not know:
// the built-in device connector.
const defaultMechanism = "connector"

// campaignDeviceMetadataProjection maintains one row per device a campaign
// considered, from the device events that name the campaign.
type campaignDeviceMetadataProjection struct {
	rows *rowSet[metadataRow]
	// catalogChanged lists the devices whose catalog record changed in the
	// batch: all their records are loaded, to follow the change.
	catalogChanged map[string][2]string
}

func newCampaignDeviceMetadataProjection() *campaignDeviceMetadataProjection {
	return &campaignDeviceMetadataProjection{rows: newRowSet(metadataTable, func(r *metadataRow) string { return r.ID }),
		catalogChanged: map[string][2]string{}}
}

// wantDevice asks for every record of a device whose catalog record changes.
func (p *campaignDeviceMetadataProjection) wantDevice(account domain.AccountID, device domain.DeviceID) {
	p.catalogChanged[deviceKey(account, device)] = [2]string{string(account), string(device)}
}

// queueLoad adds the loads of the wanted records to b.
func (p *campaignDeviceMetadataProjection) queueLoad(b *pgx.Batch) {
	p.rows.queueLoad(b)
	if len(p.catalogChanged) == 0 {
		return
	}
	var accounts, devices []string
	for _, k := range p.catalogChanged {
		accounts, devices = append(accounts, k[0]), append(devices, k[1])
	}
	p.rows.queueLoadWhere(b, `(t.account_id, t.device_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, accounts, devices)
}

// OnDeviceUpdated carries a catalog change into the device's record in
// its active campaign (name, description, mechanism); the records of
// finished updates keep the catalog as it was.
func (p *campaignDeviceMetadataProjection) OnDeviceUpdated(env envelope, e domain.DeviceUpdated, dev *deviceRow) {
	if dev == nil || dev.ActiveCampaignID == nil {
		return
	}
	r := p.rows.edit(MetadataID(domain.CampaignID(*dev.ActiveCampaignID), env.deviceID))
	if r == nil {
		return
	}
	r.Name, r.Description, r.MechanismURL = e.DeviceName, e.Description, e.MechanismURL
	if e.Mechanism != "" {
		r.Mechanism = e.Mechanism
	}
	r.UpdatedAt, r.Etag = env.at(e.At), env.etag()
}

// OnDeviceEnrolled writes the device's record, pending or queued, with the
// catalog's name and mechanism as of the enrolment (dev may be nil).
func (p *campaignDeviceMetadataProjection) OnDeviceEnrolled(env envelope, e domain.DeviceEnrolled, dev *deviceRow) {
	p.create(env, e.CampaignID, env.at(e.At), dev, e.State(), "")
}

// OnDeviceSkipped writes the record of a device the campaign skipped.
func (p *campaignDeviceMetadataProjection) OnDeviceSkipped(env envelope, e domain.DeviceSkipped, dev *deviceRow) {
	p.create(env, e.CampaignID, env.at(e.At), dev, domain.UpdateSkipped, e.Reason)
}

func (p *campaignDeviceMetadataProjection) create(env envelope, campaign domain.CampaignID, at time.Time,
	dev *deviceRow, state domain.UpdateState, skip domain.SkipReason) {
	r := &metadataRow{
		ID:         MetadataID(campaign, env.deviceID),
		AccountID:  string(env.accountID),
		CampaignID: string(campaign),
		DeviceID:   string(env.deviceID),
		SkipReason: skip,
		Mechanism:  defaultMechanism,
		CreatedAt:  at,
	}
	if state != domain.UpdateSkipped {
		r.Attempts = 1 // a skipped device had none
	}
	if dev != nil {
		r.Name, r.Description, r.MechanismURL = dev.Name, dev.Description, dev.MechanismURL
		if dev.Mechanism != "" {
			r.Mechanism = dev.Mechanism
		}
	}
	setUpdateState(r, state, domain.UpdateChange{}, at, env.etag())
	p.rows.put(r.ID, r)
}

// OnDeviceUpdateStateChanged moves the device's record to the new state.
// The record must be in the event's From state: counters move by From and
// To, so a mismatch would make them disagree with the records.
func (p *campaignDeviceMetadataProjection) OnDeviceUpdateStateChanged(env envelope, e domain.DeviceUpdateStateChanged) error {
	r := p.rows.edit(MetadataID(e.CampaignID, env.deviceID))
	if r == nil {
		return fmt.Errorf("device %s has no record in campaign %s: state change without DeviceEnrolled", env.deviceID, e.CampaignID)
	}
	if r.UpdateState != e.From {
		return fmt.Errorf("device %s in campaign %s is %s, but the event moves it from %s", env.deviceID, e.CampaignID, r.UpdateState, e.From)
	}
	setUpdateState(r, e.To, domain.UpdateChange{ResultCode: e.ResultCode, FailureCode: e.FailureCode, Reason: e.Reason}, env.at(e.At), env.etag())
	if e.Attempt > 0 {
		r.Attempts = e.Attempt // a retry (Device rule 9)
	}
	r.Wave = max(r.Wave, e.Wave)
	return nil
}

// OnDeviceUpdateCancelRequested marks the record: the engine pages
// through the marked records of devices under way to cancel them.
func (p *campaignDeviceMetadataProjection) OnDeviceUpdateCancelRequested(env envelope, e domain.DeviceUpdateCancelRequested) error {
	r := p.rows.edit(MetadataID(e.CampaignID, env.deviceID))
	if r == nil {
		return fmt.Errorf("device %s has no record in campaign %s: cancel request without DeviceEnrolled", env.deviceID, e.CampaignID)
	}
	r.CancelRequested = true
	return nil
}

// setUpdateState sets the state in our terms, Pelion's and Campaigner's,
// with the result code, failure code and reason of the change that led
// there.
func setUpdateState(r *metadataRow, s domain.UpdateState, change domain.UpdateChange, at time.Time, etag string) {
	r.UpdateState, r.DeploymentState, r.CampaignerStatus = s, s.DeploymentState(), s.CampaignerStatus()
	r.ResultCode = nil
	if code := change.ResultCode; code != 0 {
		r.ResultCode = &code
	}
	r.FailureCode, r.Reason, r.UpdatedAt, r.Etag = change.FailureCode, change.Reason, at, etag
}
