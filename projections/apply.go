package projections

import (
	"errors"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// apply hands one event to every read model it concerns, in the order of
// the global stream. This is the one place that says which event moves
// which table. An event type no read model knows stops the runner: a new
// event must be projected, or listed here as one no read model shows.
func (m *readModels) apply(env envelope) error {
	var err error
	switch {
	case env.campaignID != "":
		if err = m.applyCampaign(env); err == nil {
			m.history.OnCampaignEvent(env) // every campaign event is history
		}
	case env.deviceID != "":
		err = m.applyDevice(env)
	case env.manifestID != "":
		err = m.applyManifest(env)
	case env.updateID != "":
		err = m.applyUpdate(env)
	case env.firmwareImageID != "":
		err = m.applyFirmwareImage(env)
	case env.uploadJobID != "":
		err = m.uploadJobs.apply(env)
	case env.webhookID != "":
		err = m.webhooks.apply(env)
	default:
		err = m.applyAccount(env)
	}
	if err != nil {
		return fmt.Errorf("%s at position %s (stream %s, revision %d): %w",
			env.event.Name(), env.position, env.stream, env.revision, err)
	}
	return nil
}

func (m *readModels) applyCampaign(env envelope) error {
	switch e := env.event.(type) {
	case domain.CampaignCreated:
		m.campaigns.OnCampaignCreated(env, e)
		m.statistics.OnCampaignCreated(env, e)
		return m.counters.apply(env)
	case domain.CampaignEdited:
		return m.campaigns.OnCampaignEdited(env, e)
	case domain.CampaignStartRequested:
		return m.campaigns.OnCampaignStartRequested(env, e)
	case domain.CampaignApproved:
		return m.campaigns.OnCampaignApproved(env, e)
	case domain.CampaignStarting:
		return m.campaigns.OnCampaignStarting(env, e)
	case domain.CampaignQuotaAllocated:
		return m.campaigns.OnCampaignQuotaAllocated(env, e)
	case domain.CampaignManifestChecked:
		return m.campaigns.OnCampaignManifestChecked(env, e)
	case domain.CampaignBatchProcessed:
		return m.campaigns.OnCampaignBatchProcessed(env, e)
	case domain.CampaignPublishing:
		return m.campaigns.OnCampaignPublishing(env, e)
	case domain.CampaignDeploying:
		return m.campaigns.OnCampaignDeploying(env, e)
	case domain.CampaignStopRequested:
		return m.campaigns.OnCampaignStopRequested(env, e)
	case domain.CampaignStopped:
		return m.campaigns.OnCampaignStopped(env, e)
	case domain.CampaignArchived:
		return m.campaigns.OnCampaignArchived(env, e)
	case domain.CampaignDeleted:
		return m.campaigns.OnCampaignDeleted(env, e)
	case domain.CampaignWaveStarted:
		return m.campaigns.OnCampaignWaveStarted(env, e)
	case domain.CampaignWaveSucceeded:
		return m.campaigns.OnCampaignWaveSucceeded(env, e)
	case domain.CampaignPaused:
		return m.campaigns.OnCampaignPaused(env, e)
	case domain.CampaignResumed:
		return m.campaigns.OnCampaignResumed(env, e)
	}
	return unhandled(env, "campaign")
}

func (m *readModels) applyDevice(env envelope) error {
	switch e := env.event.(type) {
	case domain.DeviceRegistered:
		m.devices.OnDeviceRegistered(env, e)
	case domain.DeviceUpdated:
		m.devices.OnDeviceUpdated(env, e)
		m.metadata.OnDeviceUpdated(env, e, m.devices.catalogEntry(env))
	case domain.DeviceDeregistered:
		m.devices.OnDeviceDeregistered(env, e)
	case domain.DeviceResourcesReported:
		m.devices.OnDeviceResourcesReported(env, e)
	case domain.DeviceSubscriptionChanged:
		m.devices.OnDeviceSubscriptionChanged(env, e)
	case domain.DeviceEnrolled:
		// The record copies the catalog as it was at the enrolment.
		m.metadata.OnDeviceEnrolled(env, e, m.devices.catalogEntry(env))
		m.history.OnDeviceEnrolled(env, e)
		m.devices.OnDeviceEnrolled(env, e)
		return errors.Join(m.counters.apply(env), m.statistics.OnDeviceEnrolled(env, e))
	case domain.DeviceSkipped:
		m.metadata.OnDeviceSkipped(env, e, m.devices.catalogEntry(env))
		m.history.OnDeviceSkipped(env, e)
		return errors.Join(m.counters.apply(env), m.statistics.OnDeviceSkipped(env, e))
	case domain.DeviceUpdateStateChanged:
		// Metadata first: it checks From against the record, which keeps
		// the counters consistent with the records.
		if err := m.metadata.OnDeviceUpdateStateChanged(env, e); err != nil {
			return err
		}
		if err := m.counters.apply(env); err != nil {
			return err
		}
		m.waves.OnDeviceUpdateStateChanged(env, e)
		m.devices.OnDeviceUpdateStateChanged(env, e)
		m.history.OnDeviceUpdateStateChanged(env, e)
		return m.statistics.OnDeviceUpdateStateChanged(env, e)
	case domain.DeviceUpdateCancelRequested:
		// Not a state: no counter, statistic or history row moves.
		return m.metadata.OnDeviceUpdateCancelRequested(env, e)
	default:
		return unhandled(env, "device")
	}
	return nil
}

func (m *readModels) applyManifest(env envelope) error {
	switch e := env.event.(type) {
	case domain.ManifestRegistered:
		m.manifests.OnManifestRegistered(env, e)
		return nil
	case domain.ManifestDeleted:
		return m.manifests.OnManifestDeleted(env, e)
	}
	return unhandled(env, "manifest")
}

func (m *readModels) applyUpdate(env envelope) error {
	switch e := env.event.(type) {
	case domain.UpdateCreated:
		m.updates.OnUpdateCreated(env, e)
		return nil
	}
	return unhandled(env, "update")
}

func (m *readModels) applyFirmwareImage(env envelope) error {
	switch e := env.event.(type) {
	case domain.FirmwareImageUploaded:
		m.firmwareImages.OnFirmwareImageUploaded(env, e)
		return nil
	case domain.FirmwareImageDeleted:
		return m.firmwareImages.OnFirmwareImageDeleted(env, e)
	}
	return unhandled(env, "firmware image")
}

// applyAccount accepts the account events: limits and quota are the
// command side's business, and no read model shows them yet.
func (m *readModels) applyAccount(env envelope) error {
	switch env.event.(type) {
	case domain.AccountCampaignLimitsSet, domain.AccountFirmwareLimitsSet, domain.AccountQuotaReserved,
		domain.AccountQuotaReleased, domain.AccountManifestCounted:
		return nil
	}
	return unhandled(env, "account")
}

// unhandled is the error about an event no read model expects on its
// kind of stream: a new event type, or a known one on the wrong stream.
func unhandled(env envelope, kind string) error {
	return fmt.Errorf("no read model handles %s on %s streams: handle it in projections/apply.go, or list it there among the events no read model shows",
		env.event.Name(), kind)
}
