// Package wiring holds the glue that more than one binary (cmd/updated,
// cmd/updatectl, cmd/bench) and the stack tests wire alike, so that it is
// written once: the engine's reads, the database settings, the choice of
// event store, the quarantine table.
// Like cmd/, it may know every layer.
package wiring

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// EngineReads are the campaign engine's reads on the read models:
// projections' queries, their answers put in the engine's own types. The
// engine declares what it reads and does not import projections; this is
// the one place that knows both.
type EngineReads struct {
	*projections.Queries
	*projections.EngineQueries
}

// NewEngineReads returns the engine's reads on the read models in pool.
func NewEngineReads(pool *pgxpool.Pool) EngineReads {
	return EngineReads{projections.NewQueries(pool), projections.NewEngineQueries(pool)}
}

// DrivableCampaigns lists the campaigns the engine has work on.
func (r EngineReads) DrivableCampaigns(ctx context.Context) ([]engine.CampaignRef, error) {
	refs, err := r.EngineQueries.DrivableCampaigns(ctx)
	return engineRefs(refs), err
}

// CampaignRetries takes the campaigns an operator marked for retry.
func (r EngineReads) CampaignRetries(ctx context.Context, runner string) ([]engine.CampaignRef, error) {
	refs, err := r.EngineQueries.CampaignRetries(ctx, runner)
	return engineRefs(refs), err
}

// CampaignProgress reads a campaign's counters.
func (r EngineReads) CampaignProgress(ctx context.Context, campaign domain.CampaignID) (engine.Progress, error) {
	p, err := r.EngineQueries.CampaignProgress(ctx, campaign)
	return engine.Progress(p), err
}

// RetryCandidates pages through a campaign's devices a retry may send again.
func (r EngineReads) RetryCandidates(ctx context.Context, campaign domain.CampaignID, maxAttempts int, after domain.DeviceID, limit int) ([]engine.RetryCandidate, error) {
	cs, err := r.EngineQueries.RetryCandidates(ctx, campaign, maxAttempts, after, limit)
	out := make([]engine.RetryCandidate, len(cs))
	for i, c := range cs {
		out[i] = engine.RetryCandidate(c)
	}
	return out, err
}

// WaveProgress reads the counters of a campaign's wave.
func (r EngineReads) WaveProgress(ctx context.Context, campaign domain.CampaignID, wave int) (engine.WaveProgress, error) {
	w, err := r.EngineQueries.WaveProgress(ctx, campaign, wave)
	return engine.WaveProgress(w), err
}

func engineRefs(refs []projections.CampaignRef) []engine.CampaignRef {
	out := make([]engine.CampaignRef, len(refs))
	for i, r := range refs {
		out[i] = engine.CampaignRef(r)
	}
	return out
}
