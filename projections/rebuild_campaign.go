package projections

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// StreamReader reads whole streams of the event store.
type StreamReader interface {
	ReadStreams(ctx context.Context, streams []string) (map[string][]eventstore.RecordedEvent, error)
}

// rebuildChunk bounds the device streams read at once by a rebuild.
const rebuildChunk = 1000

// CampaignRebuilder re-derives one campaign's read-model rows from its
// events (the deployment-service-update-campaign-cache queue): its
// campaigns row, counters, campaign-device metadata and statistics.
type CampaignRebuilder struct {
	pool    *pgxpool.Pool
	streams StreamReader
	name    string
}

// NewCampaignRebuilder returns a rebuilder of the read models in pool's
// database that the runner named runnerName (Config.Name; empty:
// DefaultName) maintains from streams' events.
func NewCampaignRebuilder(pool *pgxpool.Pool, streams StreamReader, runnerName string) *CampaignRebuilder {
	if runnerName == "" {
		runnerName = DefaultName
	}
	return &CampaignRebuilder{pool: pool, streams: streams, name: runnerName}
}

// RebuildCampaign replaces the campaign's rows with the ones its events
// give, in one transaction, so readers see the old rows or the new ones.
//
// How it stays consistent with the running projection runner: the
// transaction first locks the runner's checkpoint row, which holds the
// runner back before its next batch, and folds only the events up to that
// checkpoint; the runner then applies the later events on top of the
// rebuilt rows as it would have on the old ones.
//
// What it reads: the campaign stream, and the device streams of every
// device of the account that the catalog or the campaign's metadata lists
// (a device's whole stream, for the catalog entry copied at enrolment).
// Only the streams that mention the campaign are kept in memory, but a
// large account means many reads while the runner waits: this is a
// repair, not a routine step. Other accounts' campaigns answer
// domain.NotFoundError and are not touched.
func (b *CampaignRebuilder) RebuildCampaign(ctx context.Context, account domain.AccountID, campaign domain.CampaignID) error {
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		var commit, prepare int64
		err := tx.QueryRow(ctx, `SELECT commit_position, prepare_position FROM projection_checkpoints WHERE name = $1 FOR UPDATE`, b.name).
			Scan(&commit, &prepare)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.NotFoundError{Object: "campaign", ID: string(campaign)}
		}
		if err != nil {
			return err
		}
		upTo := eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}
		history, err := b.history(ctx, tx, account, campaign, upTo)
		if err != nil {
			return err
		}
		models := newReadModels()
		for _, env := range history {
			if err := models.apply(env); err != nil {
				return err
			}
		}
		return writeCampaign(ctx, tx, models, account, campaign)
	})
	if err != nil {
		return fmt.Errorf("projections.RebuildCampaign %s: %w", campaign, err)
	}
	return nil
}

// history returns the events up to upTo that the campaign's rows derive
// from, in the global order.
func (b *CampaignRebuilder) history(ctx context.Context, tx pgx.Tx, account domain.AccountID, campaign domain.CampaignID,
	upTo eventstore.Position) ([]envelope, error) {
	cs := domain.CampaignStream(campaign)
	read, err := b.streams.ReadStreams(ctx, []string{cs})
	if err != nil {
		return nil, err
	}
	out, err := decodeUpTo(read[cs], upTo)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, domain.NotFoundError{Object: "campaign", ID: string(campaign)}
	}
	if created, ok := out[0].event.(domain.CampaignCreated); !ok || created.AccountID != account {
		return nil, domain.NotFoundError{Object: "campaign", ID: string(campaign)}
	}
	rows, err := tx.Query(ctx, `SELECT device_id FROM devices WHERE account_id = $1
		UNION SELECT device_id FROM campaign_device_metadata WHERE campaign_id = $2 AND account_id = $1`, account, campaign)
	if err != nil {
		return nil, err
	}
	devices, err := pgx.CollectRows(rows, pgx.RowTo[domain.DeviceID])
	if err != nil {
		return nil, err
	}
	for chunk := range slices.Chunk(devices, rebuildChunk) {
		streams := make([]string, len(chunk))
		for i, d := range chunk {
			streams[i] = domain.DeviceStream(account, d)
		}
		read, err := b.streams.ReadStreams(ctx, streams)
		if err != nil {
			return nil, err
		}
		for _, s := range streams {
			envs, err := decodeUpTo(read[s], upTo)
			if err != nil {
				return nil, err
			}
			if mentions(envs, campaign) {
				out = append(out, envs...)
			}
		}
	}
	slices.SortFunc(out, func(a, b envelope) int {
		switch {
		case a.position.Less(b.position):
			return -1
		case b.position.Less(a.position):
			return 1
		}
		return 0
	})
	return out, nil
}

// decodeUpTo decodes the events at or before upTo.
func decodeUpTo(recorded []eventstore.RecordedEvent, upTo eventstore.Position) ([]envelope, error) {
	var out []envelope
	for _, rec := range recorded {
		if upTo.Less(rec.Position) {
			continue
		}
		env, err := decode(rec)
		if err != nil {
			return nil, err
		}
		out = append(out, env)
	}
	return out, nil
}

// mentions reports whether a device's events name the campaign.
func mentions(envs []envelope, campaign domain.CampaignID) bool {
	for _, env := range envs {
		switch e := env.event.(type) {
		case domain.DeviceEnrolled:
			if e.CampaignID == campaign {
				return true
			}
		case domain.DeviceSkipped:
			if e.CampaignID == campaign {
				return true
			}
		}
	}
	return false
}

// writeCampaign replaces the campaign's rows with the folded ones; the
// rows of other campaigns and of the catalog that the fold produced on the
// way are dropped.
func writeCampaign(ctx context.Context, tx pgx.Tx, m *readModels, account domain.AccountID, campaign domain.CampaignID) error {
	b := &pgx.Batch{}
	for _, table := range []string{"campaign_event_types", "campaign_statistics", "campaign_device_metadata", "campaign_counters", "campaign_wave_counters"} {
		b.Queue(fmt.Sprintf(`DELETE FROM %s WHERE campaign_id = $1 AND account_id = $2`, pgx.Identifier{table}.Sanitize()), campaign, account)
	}
	b.Queue(`DELETE FROM campaigns WHERE id = $1 AND account_id = $2`, campaign, account)
	for k := range m.metadata.rows.dirty {
		if m.metadata.rows.rows[k].CampaignID != string(campaign) {
			delete(m.metadata.rows.dirty, k)
		}
	}
	for id := range m.counters.deltas {
		if id != campaign {
			delete(m.counters.deltas, id)
		}
	}
	for k := range m.statistics.deltas {
		if k.campaign != string(campaign) {
			delete(m.statistics.deltas, k)
		}
	}
	m.waves.keep(campaign)
	summaries, eventTypes := m.statistics.rows()
	if err := errors.Join(
		m.campaigns.rows.queueWrite(b),
		m.metadata.rows.queueWrite(b),
		queueJSON(b, countersUpsert, m.counters.rows()),
		queueJSON(b, waveCountersUpsert, m.waves.rows()),
		queueJSON(b, statisticsUpsert, summaries),
		queueJSON(b, eventTypesUpsert, eventTypes),
	); err != nil {
		return err
	}
	return tx.SendBatch(ctx, b).Close()
}
