package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// EngineQueries are the reads the campaign engine makes of the read models.
type EngineQueries struct {
	pool *pgxpool.Pool
}

// NewEngineQueries returns the engine's reads on pool.
func NewEngineQueries(pool *pgxpool.Pool) *EngineQueries { return &EngineQueries{pool: pool} }

// CampaignRef names a campaign and its account.
type CampaignRef struct {
	ID      domain.CampaignID
	Account domain.AccountID
}

// DrivableCampaigns lists the campaigns the engine has work on: timed,
// starting, active or stopping.
func (q *EngineQueries) DrivableCampaigns(ctx context.Context) ([]CampaignRef, error) {
	rows, err := q.pool.Query(ctx, `SELECT id, account_id FROM campaigns
		WHERE phase IN ('timed', 'starting', 'active', 'stopping') ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("drivable campaigns: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (CampaignRef, error) {
		var r CampaignRef
		err := row.Scan(&r.ID, &r.Account)
		return r, err
	})
}

// CampaignsUsingManifest lists the account's campaigns that deliver manifest
// and are not over yet.
func (q *EngineQueries) CampaignsUsingManifest(ctx context.Context, account domain.AccountID, manifest domain.ManifestID) ([]domain.CampaignID, error) {
	rows, err := q.pool.Query(ctx, `SELECT id FROM campaigns WHERE account_id = $1 AND root_manifest_id = $2
		AND phase NOT IN ('draft', 'stopped', 'archived', 'deleted') ORDER BY id`, account, manifest)
	if err != nil {
		return nil, fmt.Errorf("campaigns using manifest %s: %w", manifest, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[domain.CampaignID])
}

// StaleCampaignDevices lists up to limit devices of a campaign whose update
// is in one of states and has not changed since before.
func (q *EngineQueries) StaleCampaignDevices(ctx context.Context, campaign domain.CampaignID, states []domain.UpdateState, before time.Time, limit int) ([]domain.DeviceID, error) {
	rows, err := q.pool.Query(ctx, `SELECT device_id FROM campaign_device_metadata
		WHERE campaign_id = $1 AND update_state = ANY($2) AND updated_at < $3 ORDER BY updated_at, device_id LIMIT $4`,
		campaign, stateNames(states), before, limit)
	if err != nil {
		return nil, fmt.Errorf("stale devices of %s: %w", campaign, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[domain.DeviceID])
}

// RetryCandidate is a device whose update ended in a way a retry policy
// may send again.
type RetryCandidate struct {
	Device      domain.DeviceID
	State       domain.UpdateState
	ResultCode  int
	FailureCode string
	Attempts    int
	EndedAt     time.Time
}

// RetryCandidates pages, by device id, through the campaign's devices
// whose update ended failed or timed out after fewer than maxAttempts
// attempts, of registered devices no other campaign holds (Device rule 9).
// The partial index campaign_device_metadata_retriable holds only such
// endings, so the page costs what the campaign's failures do.
func (q *EngineQueries) RetryCandidates(ctx context.Context, campaign domain.CampaignID, maxAttempts int, after domain.DeviceID, limit int) ([]RetryCandidate, error) {
	rows, err := q.pool.Query(ctx, `SELECT m.device_id, m.update_state, coalesce(m.result_code, 0), m.failure_code, m.attempts, m.updated_at
		FROM campaign_device_metadata m JOIN devices d ON d.account_id = m.account_id AND d.device_id = m.device_id
		WHERE m.campaign_id = $1 AND m.update_state IN ('failed', 'failed_connector_channel_update', 'timed_out')
		AND m.attempts < $2 AND m.device_id > $3 AND d.state = 'registered' AND d.active_campaign_id IS NULL
		ORDER BY m.device_id LIMIT $4`, campaign, maxAttempts, after, limit)
	if err != nil {
		return nil, fmt.Errorf("retry candidates of %s: %w", campaign, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (RetryCandidate, error) {
		var c RetryCandidate
		err := row.Scan(&c.Device, &c.State, &c.ResultCode, &c.FailureCode, &c.Attempts, &c.EndedAt)
		return c, err
	})
}

// FreeQueuedDevices pages, by device id, through the campaign's queued
// devices (conflict policy queue) that no campaign holds any more: the
// engine releases them to pending. The partial index
// campaign_device_metadata_queued holds only queued records.
func (q *EngineQueries) FreeQueuedDevices(ctx context.Context, campaign domain.CampaignID, after domain.DeviceID, limit int) ([]domain.DeviceID, error) {
	rows, err := q.pool.Query(ctx, `SELECT m.device_id FROM campaign_device_metadata m
		JOIN devices d ON d.account_id = m.account_id AND d.device_id = m.device_id
		WHERE m.campaign_id = $1 AND m.update_state = 'queued' AND d.active_campaign_id IS NULL AND m.device_id > $2
		ORDER BY m.device_id LIMIT $3`, campaign, after, limit)
	if err != nil {
		return nil, fmt.Errorf("free queued devices of %s: %w", campaign, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[domain.DeviceID])
}

// Progress counts a campaign's devices by how far their update is.
type Progress struct {
	Targeted int64 // enrolled or skipped
	Enrolled int64 // targeted less skipped
	Open     int64 // pending, queued, awaiting consent, accepted, scheduled, delivered, downloading or installing
	InFlight int64 // open but pending: the manifest sent, no outcome yet
	Deployed int64
	Failed   int64 // failed, or failed_connector_channel_update
	TimedOut int64
	Started  int64 // starts in the campaign's waves (campaign_wave_counters)
}

// CampaignProgress reads a campaign's counters, and the sum of its waves'
// starts: a row per wave, a few.
func (q *EngineQueries) CampaignProgress(ctx context.Context, campaign domain.CampaignID) (Progress, error) {
	var p Progress
	err := q.pool.QueryRow(ctx, `SELECT targeted, targeted - skipped,
		pending + queued + awaiting_consent + accepted + scheduled + updated_connector_channel + downloading + installing,
		scheduled + updated_connector_channel + downloading + installing, deployed,
		failed + failed_connector_channel_update, timed_out,
		(SELECT COALESCE(sum(started), 0)::bigint FROM campaign_wave_counters w WHERE w.campaign_id = c.campaign_id)
		FROM campaign_counters c WHERE campaign_id = $1`, campaign).Scan(&p.Targeted, &p.Enrolled, &p.Open, &p.InFlight, &p.Deployed,
		&p.Failed, &p.TimedOut, &p.Started)
	if err == pgx.ErrNoRows {
		return Progress{}, nil
	}
	if err != nil {
		return Progress{}, fmt.Errorf("progress of %s: %w", campaign, err)
	}
	return p, nil
}

// WaveProgress counts the devices started in one wave of a campaign by
// how far their update is: one row of campaign_wave_counters.
type WaveProgress struct {
	Started  int64
	Open     int64
	Deployed int64
	Failed   int64 // failed, or failed_connector_channel_update
	TimedOut int64
}

// WaveProgress reads the counters of a campaign's wave; zero for a wave
// that started no device.
func (q *EngineQueries) WaveProgress(ctx context.Context, campaign domain.CampaignID, wave int) (WaveProgress, error) {
	var w WaveProgress
	err := q.pool.QueryRow(ctx, `SELECT started, open, deployed, failed + failed_connector_channel_update, timed_out
		FROM campaign_wave_counters WHERE campaign_id = $1 AND wave = $2`, campaign, wave).
		Scan(&w.Started, &w.Open, &w.Deployed, &w.Failed, &w.TimedOut)
	if err == pgx.ErrNoRows {
		return WaveProgress{}, nil
	}
	if err != nil {
		return WaveProgress{}, fmt.Errorf("progress of wave %d of %s: %w", wave, campaign, err)
	}
	return w, nil
}

// Checkpoint returns the position a process manager saved under name
// (the start of the global order if none).
func (q *EngineQueries) Checkpoint(ctx context.Context, name string) (eventstore.Position, error) {
	return readCheckpoint(ctx, q.pool, name)
}

// SaveCheckpoint records a process manager's position. Unlike a projection
// it writes nothing else: its effects are commands, idempotent by their ids.
func (q *EngineQueries) SaveCheckpoint(ctx context.Context, name string, pos eventstore.Position) error {
	_, err := q.pool.Exec(ctx, `UPDATE projection_checkpoints SET commit_position = $2, prepare_position = $3 WHERE name = $1`,
		name, int64(pos.Commit), int64(pos.Prepare))
	if err != nil {
		return fmt.Errorf("saving checkpoint %s: %w", name, err)
	}
	return nil
}

func stateNames(states []domain.UpdateState) []string {
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return out
}

// CampaignDevicesInStates returns up to limit devices of the campaign
// whose update is in one of states, in id order, after the id after
// (empty: from the start). The engine pages through the devices it still
// has to act on (pending ones to send to, silent ones to time out) with
// it; the (campaign_id, device_id) index serves the order.
func (q *Queries) CampaignDevicesInStates(ctx context.Context, campaign domain.CampaignID, states []domain.UpdateState, after domain.DeviceID, limit int) ([]domain.DeviceID, error) {
	if limit <= 0 {
		return nil, domain.InvalidError{Field: "limit", Reason: fmt.Sprintf("%d is not positive", limit)}
	}
	return q.deviceIDs(ctx, "projections.CampaignDevicesInStates",
		`SELECT device_id FROM campaign_device_metadata
		WHERE campaign_id = $1 AND update_state = ANY($2::text[]) AND device_id > $3
		ORDER BY device_id LIMIT $4`, campaign, stateNames(states), after, limit)
}

// CampaignDevicesCancelRequested pages, by device id, through the
// campaign's devices in states whose cancel a user asked for.
func (q *Queries) CampaignDevicesCancelRequested(ctx context.Context, campaign domain.CampaignID, states []domain.UpdateState, after domain.DeviceID, limit int) ([]domain.DeviceID, error) {
	return q.deviceIDs(ctx, "projections.CampaignDevicesCancelRequested",
		`SELECT device_id FROM campaign_device_metadata
		WHERE campaign_id = $1 AND cancel_requested AND update_state = ANY($2::text[]) AND device_id > $3
		ORDER BY device_id LIMIT $4`, campaign, stateNames(states), after, limit)
}

// deviceIDs runs a query selecting device ids.
func (q *Queries) deviceIDs(ctx context.Context, op, sql string, args ...any) ([]domain.DeviceID, error) {
	rows, err := q.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[domain.DeviceID])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return ids, nil
}
