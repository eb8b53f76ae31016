package bus

import (
	"cmp"
	"fmt"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// The queue, partition key and validation of each message.

func (NotificationSubscription) Queue() string { return QueueNotificationSubscription }
func (AsyncResponse) Queue() string            { return QueueAsyncResponse }
func (SendManifest) Queue() string             { return QueueSendManifest }
func (CampaignManager) Queue() string          { return QueueCampaignManager }
func (CheckManifest) Queue() string            { return QueueCheckManifest }
func (DeletedManifest) Queue() string          { return QueueDeletedManifests }
func (DeviceUpdated) Queue() string            { return QueueDeviceUpdated }
func (LogManifestSentDevices) Queue() string   { return QueueLogManifestSentDevices }
func (UpdateDeploymentDevice) Queue() string   { return QueueUpdateDeploymentDevice }
func (UpdateCampaignCache) Queue() string      { return QueueUpdateCampaignCache }
func (AccountLimits) Queue() string            { return QueueAccountLimits }
func (FirmwareAccountLimits) Queue() string    { return QueueFirmwareAccountLimits }
func (ApplyFirmwareUpdate) Queue() string      { return QueueApplyFirmwareUpdate }
func (StopCampaign) Queue() string             { return QueueStopCampaign }
func (CampaignDeviceState) Queue() string      { return QueueCampaignDeviceState }
func (DeviceResources) Queue() string          { return QueueDeviceResourceManager }
func (CampaignDeviceHeartbeat) Queue() string  { return QueueCampaignDeviceHeartbeat }
func (DeviceUpdateReport) Queue() string       { return QueueDeviceUpdateReport }
func (CampaignAccepted) Queue() string         { return QueueCampaignAccepted }
func (m NotificationSubscription) Key() string { return string(m.DeviceID) }
func (m AsyncResponse) Key() string            { return string(m.asyncDevice()) }
func (m SendManifest) Key() string             { return cmp.Or(string(m.DeviceID), string(m.CampaignID)) }
func (m CampaignManager) Key() string          { return string(m.CampaignID) }
func (m CheckManifest) Key() string            { return string(m.CampaignID) }
func (m DeletedManifest) Key() string          { return string(m.ManifestID) }
func (m DeviceUpdated) Key() string            { return string(m.DeviceID) }
func (m LogManifestSentDevices) Key() string   { return string(m.CampaignID) }
func (m UpdateDeploymentDevice) Key() string   { return string(m.DeviceID) }
func (m UpdateCampaignCache) Key() string      { return string(m.CampaignID) }
func (m AccountLimits) Key() string            { return string(m.AccountID) }
func (m FirmwareAccountLimits) Key() string    { return string(m.AccountID) }
func (m ApplyFirmwareUpdate) Key() string      { return string(m.CampaignID) }
func (m StopCampaign) Key() string             { return string(m.CampaignID) }
func (m CampaignDeviceState) Key() string      { return m.key() }
func (m DeviceResources) Key() string          { return string(m.DeviceID) }
func (m CampaignDeviceHeartbeat) Key() string  { return string(m.DeviceID) }
func (m DeviceUpdateReport) Key() string       { return string(m.Device) }
func (m CampaignAccepted) Key() string         { return string(deref(m.Event).DeviceUUID) }
func (m NotificationSubscription) Validate() error {
	p := m.start()
	p.add(m.DeviceID.Validate())
	p.required("subscribed", m.Subscribed == nil)
	return p.err()
}

func (m AsyncResponse) Validate() error {
	p := m.start()
	if account, _, _, ok := domain.ParseAsyncID(m.AsyncID); !ok {
		p.invalid("async_id", fmt.Sprintf("%q is not an async id of this service (<account id in base64url>.<campaign id>.<device id in base64url>)", m.AsyncID))
	} else if account != m.AccountID {
		p.invalid("async_id", fmt.Sprintf("%q answers a write of account %s, not of %s", m.AsyncID, account, m.AccountID))
	}
	p.required("status", m.Status == nil)
	if m.Status != nil && (*m.Status < 100 || *m.Status > 999) {
		p.invalid("status", fmt.Sprintf("%d is not a status code", *m.Status))
	}
	p.text("error", m.Error)
	return p.err()
}

func (m SendManifest) Validate() error {
	var q problems
	if m.Wave < 0 {
		q.invalid("wave", fmt.Sprintf("%d is negative", m.Wave))
	}
	if m.DeviceIDs == nil {
		q.add(campaignDevice(m.Account, m.CampaignID, m.DeviceID).err())
		return q.err()
	}
	q.add(campaignOnly(m.Account, m.CampaignID))
	switch {
	case m.DeviceID != "":
		q.invalid("device_ids", "give device_id or device_ids, not both")
	case len(m.DeviceIDs) == 0 || len(m.DeviceIDs) > MaxReports:
		q.invalid("device_ids", fmt.Sprintf("holds %d devices; from 1 to %d", len(m.DeviceIDs), MaxReports))
	}
	for i, id := range m.DeviceIDs {
		q.add(prefixed(fmt.Sprintf("device_ids[%d].", i), id.Validate()))
	}
	return q.err()
}

func (m CampaignManager) Validate() error { return campaignOnly(m.Account, m.CampaignID) }

func (m CheckManifest) Validate() error { return campaignOnly(m.Account, m.CampaignID) }

func (m DeletedManifest) Validate() error {
	p := m.start()
	p.add(m.ManifestID.Validate())
	return p.err()
}

func (m DeviceUpdated) Validate() error {
	p := m.start()
	p.add(m.DeviceID.Validate())
	patch := m.patch()
	if patch == (commands.DevicePatch{}) {
		p.invalid("device", "names no field to change")
	}
	// The fields present, checked by the catalog's own rules: a change
	// the command refused for them would only be logged, not poisoned.
	p.add(domain.DeviceAttributes{Name: deref(patch.Name), Description: deref(patch.Description), DeviceClass: deref(patch.DeviceClass),
		Vendor: deref(patch.Vendor), FirmwareHash: deref(patch.FirmwareHash), Groups: deref(patch.Groups),
		Mechanism: deref(patch.Mechanism), MechanismURL: deref(patch.MechanismURL)}.Validate())
	if m.Groups != nil && len(*m.Groups) > 100 {
		p.invalid("groups", "must be at most 100 groups")
	}
	return p.err()
}

func (m LogManifestSentDevices) Validate() error {
	p := m.start()
	p.add(m.CampaignID.Validate())
	if n := len(m.Reached) + len(m.NotReached); n == 0 || n > 1000 {
		p.invalid("reached", fmt.Sprintf("reached and not_reached list %d devices; 1 to 1000 per message", n))
	}
	for _, list := range [][]domain.DeviceID{m.Reached, m.NotReached} {
		for _, d := range list {
			p.add(d.Validate())
		}
	}
	p.text("reason", m.Reason)
	return p.err()
}

func (m UpdateDeploymentDevice) Validate() error {
	p := m.start()
	p.add(m.DeviceID.Validate())
	if m.CampaignID != "" {
		p.add(m.CampaignID.Validate())
	}
	p.required("update_result", m.UpdateResult == nil)
	if m.UpdateResult != nil && *m.UpdateResult < 1 {
		p.invalid("update_result", fmt.Sprintf("%d is not a result (1 success, another positive number a failure code)", *m.UpdateResult))
	}
	return p.err()
}

func (m UpdateCampaignCache) Validate() error { return campaignOnly(m.Account, m.CampaignID) }

func (m AccountLimits) Validate() error {
	p := m.start()
	p.required("max_active_campaigns", m.MaxActiveCampaigns == nil)
	if m.MaxActiveCampaigns != nil && *m.MaxActiveCampaigns < 0 {
		p.invalid("max_active_campaigns", "must not be negative (0 is unlimited)")
	}
	return p.err()
}

func (m FirmwareAccountLimits) Validate() error {
	p := m.start()
	p.required("max_manifests", m.MaxManifests == nil)
	p.required("max_payload_bytes", m.MaxPayloadBytes == nil)
	if m.MaxManifests != nil && *m.MaxManifests < 0 {
		p.invalid("max_manifests", "must not be negative (0 is unlimited)")
	}
	if m.MaxPayloadBytes != nil && *m.MaxPayloadBytes < 0 {
		p.invalid("max_payload_bytes", "must not be negative (0 is unlimited)")
	}
	return p.err()
}

func (m ApplyFirmwareUpdate) Validate() error { return campaignOnly(m.Account, m.CampaignID) }

func (m StopCampaign) Validate() error { return campaignOnly(m.Account, m.CampaignID) }

func (m CampaignDeviceState) Validate() error {
	if m.Reports != nil {
		p := m.start()
		if m.DeviceID != "" || m.CampaignID != "" || m.State != "" || m.LwM2MState != nil || m.ResultCode != 0 || m.Reason != "" {
			p.invalid("reports", "a batch carries its reports only: give device_id, campaign_id, state, lwm2m_state, result_code and reason inside each report")
		}
		if len(m.Reports) == 0 {
			p.invalid("reports", "is empty")
		}
		_, err := batchReports(m.Reports)
		p.add(err)
		return p.err()
	}
	if m.LwM2MState != nil {
		p := m.start()
		p.add(m.DeviceID.Validate())
		if m.State != "" || m.CampaignID != "" {
			p.invalid("lwm2m_state", "applies to the device's active campaign: give it without state and campaign_id")
		}
		if *m.LwM2MState < 0 {
			p.invalid("lwm2m_state", fmt.Sprintf("%d is not an LwM2M update state", *m.LwM2MState))
		}
		return p.err()
	}
	p := campaignDevice(m.Account, m.CampaignID, m.DeviceID)
	if _, err := domain.ParseUpdateState(string(m.State)); err != nil {
		p.add(err)
	} else if m.State == domain.UpdatePending || m.State == domain.UpdateSkipped {
		p.invalid("state", fmt.Sprintf("%s is decided by the service, not reported", m.State))
	}
	if m.State == domain.UpdateFailed && m.ResultCode == 0 {
		p.invalid("result_code", "is required, non-zero, with state failed")
	}
	p.text("reason", m.Reason)
	return p.err()
}

func (m DeviceResources) Validate() error {
	p := m.start()
	p.add(m.DeviceID.Validate())
	if m.DeviceClass == "" && m.VendorID == "" && m.FirmwareChecksum == "" {
		p.invalid("device_class", "one of device_class, vendor_id and firmware_checksum is required")
	}
	p.add(domain.DeviceResources{DeviceClass: m.DeviceClass, Vendor: m.VendorID, FirmwareHash: m.FirmwareChecksum}.Validate())
	return p.err()
}

func (m CampaignDeviceHeartbeat) Validate() error {
	return campaignDevice(m.Account, m.CampaignID, m.DeviceID).err()
}

// campaignOnly validates a message naming one campaign.
func campaignOnly(a Account, campaign domain.CampaignID) error {
	p := a.start()
	p.add(campaign.Validate())
	return p.err()
}

// campaignDevice starts validating a message naming a device in a campaign.
func campaignDevice(a Account, campaign domain.CampaignID, device domain.DeviceID) *problems {
	p := a.start()
	p.add(campaign.Validate())
	p.add(device.Validate())
	return p
}

// patch is the catalog change the message carries.
func (m DeviceUpdated) patch() commands.DevicePatch {
	p := commands.DevicePatch{Name: m.Name, Description: m.Description, DeviceClass: m.DeviceClass, Vendor: m.VendorID,
		FirmwareHash: m.FirmwareChecksum, Groups: m.Groups, MechanismURL: m.MechanismURL}
	if m.Mechanism != nil {
		mech := domain.Mechanism(*m.Mechanism)
		p.Mechanism = &mech
	}
	return p
}
