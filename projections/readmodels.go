package projections

import (
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// readModels is one batch's work on every read model: the rows the batch
// touches, loaded with one round trip, changed event by event in memory,
// and written back with one round trip. Nothing here is kept between
// batches, so memory stays bounded by the batch size.
type readModels struct {
	campaigns  *campaignsProjection
	counters   *campaignCountersProjection
	metadata   *campaignDeviceMetadataProjection
	statistics *campaignStatisticsProjection
	devices    *devicesProjection
	manifests  *manifestsProjection
}

func newReadModels() *readModels {
	return &readModels{
		campaigns:  newCampaignsProjection(),
		counters:   newCampaignCountersProjection(),
		metadata:   newCampaignDeviceMetadataProjection(),
		statistics: newCampaignStatisticsProjection(),
		devices:    newDevicesProjection(),
		manifests:  newManifestsProjection(),
	}
}

// want registers the rows an event will read or change, so that load can
// fetch them all at once.
func (m *readModels) want(env envelope) {
	switch {
	case env.campaignID != "":
		m.campaigns.rows.want(string(env.campaignID))
	case env.manifestID != "":
		m.manifests.rows.want(string(env.manifestID))
	case env.deviceID != "":
		m.devices.rows.want(deviceKey(env.accountID, env.deviceID))
		switch e := env.event.(type) {
		case domain.DeviceEnrolled:
			m.metadata.rows.want(MetadataID(e.CampaignID, env.deviceID))
		case domain.DeviceSkipped:
			m.metadata.rows.want(MetadataID(e.CampaignID, env.deviceID))
		case domain.DeviceUpdateStateChanged:
			m.metadata.rows.want(MetadataID(e.CampaignID, env.deviceID))
		case domain.DeviceUpdated:
			m.metadata.wantDevice(env.accountID, env.deviceID)
		}
	}
}

// queueLoads adds the queries fetching every wanted row to b.
func (m *readModels) queueLoads(b *pgx.Batch) {
	m.campaigns.rows.queueLoad(b)
	m.metadata.queueLoad(b)
	m.devices.rows.queueLoad(b)
	m.manifests.rows.queueLoad(b)
}

// queueWrites adds every read-model write of the batch to b: one upsert
// per table, whatever the number of events.
func (m *readModels) queueWrites(b *pgx.Batch) error {
	summaries, eventTypes := m.statistics.rows()
	return errors.Join(
		m.campaigns.rows.queueWrite(b),
		m.metadata.rows.queueWrite(b),
		m.devices.rows.queueWrite(b),
		m.manifests.rows.queueWrite(b),
		queueJSON(b, countersUpsert, m.counters.rows()),
		queueJSON(b, statisticsUpsert, summaries),
		queueJSON(b, eventTypesUpsert, eventTypes),
	)
}
