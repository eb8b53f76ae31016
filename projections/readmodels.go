package projections

import (
	"context"
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
	waves      *waveCountersProjection
	metadata   *campaignDeviceMetadataProjection
	statistics *campaignStatisticsProjection
	devices    *devicesProjection
	manifests  *manifestsProjection
	history    *campaignHistoryProjection
	updates    *updatesProjection
	// firmwareImages is the images' table.
	firmwareImages *firmwareImagesProjection
	// uploadJobs are the upload jobs' and their chunks' tables.
	uploadJobs *uploadJobsProjection
	// webhooks is the outgoing webhooks' table.
	webhooks *webhooksProjection
}

func newReadModels() *readModels {
	return &readModels{
		campaigns:      newCampaignsProjection(),
		counters:       newCampaignCountersProjection(),
		waves:          newWaveCountersProjection(),
		metadata:       newCampaignDeviceMetadataProjection(),
		statistics:     newCampaignStatisticsProjection(),
		devices:        newDevicesProjection(),
		manifests:      newManifestsProjection(),
		history:        newCampaignHistoryProjection(),
		updates:        newUpdatesProjection(),
		firmwareImages: newFirmwareImagesProjection(),
		uploadJobs:     newUploadJobsProjection(),
		webhooks:       newWebhooksProjection(),
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
	case env.updateID != "":
		m.updates.rows.want(string(env.updateID))
	case env.firmwareImageID != "":
		m.firmwareImages.rows.want(string(env.firmwareImageID))
	case env.uploadJobID != "":
		m.uploadJobs.rows.want(string(env.uploadJobID))
	case env.webhookID != "":
		m.webhooks.rows.want(string(env.webhookID))
	case env.deviceID != "":
		m.devices.rows.want(deviceKey(env.accountID, env.deviceID))
		switch e := env.event.(type) {
		case domain.DeviceEnrolled:
			m.metadata.rows.want(MetadataID(e.CampaignID, env.deviceID))
		case domain.DeviceSkipped:
			m.metadata.rows.want(MetadataID(e.CampaignID, env.deviceID))
		case domain.DeviceUpdateStateChanged:
			m.metadata.rows.want(MetadataID(e.CampaignID, env.deviceID))
		case domain.DeviceUpdateCancelRequested:
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
	m.updates.rows.queueLoad(b)
	m.firmwareImages.rows.queueLoad(b)
	m.uploadJobs.rows.queueLoad(b)
	m.webhooks.rows.queueLoad(b)
}

// write writes the batch's changes: the rows it created with COPY, while
// the other writes are encoded, then those in one round trip. The encoding
// thus overlaps the server's work on the COPY, the longest write of an
// enrolment batch; both only read the folded rows.
func (m *readModels) write(ctx context.Context, tx pgx.Tx) error {
	b := &pgx.Batch{}
	encoded := make(chan error, 1)
	go func() { encoded <- m.queueWrites(b) }()
	if err := errors.Join(m.copyNew(ctx, tx), <-encoded); err != nil {
		return err
	}
	return tx.SendBatch(ctx, b).Close()
}

// copyNew writes the rows the batch created, with one COPY per table that
// has any (see rowSet.copyNew); queueWrites writes the others.
func (m *readModels) copyNew(ctx context.Context, tx pgx.Tx) error {
	for _, copyNew := range []func(context.Context, pgx.Tx) error{
		m.campaigns.rows.copyNew, m.metadata.rows.copyNew, m.devices.rows.copyNew, m.manifests.rows.copyNew,
		m.history.copyNew, m.updates.rows.copyNew, m.firmwareImages.rows.copyNew,
		m.uploadJobs.rows.copyNew, m.webhooks.rows.copyNew,
	} {
		if err := copyNew(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// queueWrites adds every other read-model write of the batch to b: one
// upsert per table, whatever the number of events.
func (m *readModels) queueWrites(b *pgx.Batch) error {
	summaries, eventTypes := m.statistics.rows()
	return errors.Join(
		m.campaigns.rows.queueWrite(b),
		m.metadata.rows.queueWrite(b),
		m.devices.rows.queueWrite(b),
		m.manifests.rows.queueWrite(b),
		m.updates.rows.queueWrite(b),
		m.firmwareImages.rows.queueWrite(b),
		m.uploadJobs.rows.queueWrite(b),
		m.uploadJobs.chunks.queueWrite(b),
		m.webhooks.rows.queueWrite(b),
		queueJSON(b, countersUpsert, m.counters.rows()),
		queueJSON(b, waveCountersUpsert, m.waves.rows()),
		queueJSON(b, statisticsUpsert, summaries),
		queueJSON(b, eventTypesUpsert, eventTypes),
	)
}
