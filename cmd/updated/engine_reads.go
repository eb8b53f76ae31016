package main

import (
	"context"

	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// engineReads are the engine's reads on the read models: projections'
// queries, their answers put in the engine's own types. The engine
// declares what it reads and does not import projections; this is the
// one place of the service that knows both.
type engineReads struct {
	*projections.Queries
	*projections.EngineQueries
}

// DrivableCampaigns lists the campaigns the engine has work on.
func (r engineReads) DrivableCampaigns(ctx context.Context) ([]engine.CampaignRef, error) {
	refs, err := r.EngineQueries.DrivableCampaigns(ctx)
	return engineRefs(refs), err
}

// CampaignRetries takes the campaigns an operator marked for retry.
func (r engineReads) CampaignRetries(ctx context.Context, runner string) ([]engine.CampaignRef, error) {
	refs, err := r.EngineQueries.CampaignRetries(ctx, runner)
	return engineRefs(refs), err
}

// CampaignProgress reads a campaign's counters.
func (r engineReads) CampaignProgress(ctx context.Context, campaign domain.CampaignID) (engine.Progress, error) {
	p, err := r.EngineQueries.CampaignProgress(ctx, campaign)
	return engine.Progress(p), err
}

func engineRefs(refs []projections.CampaignRef) []engine.CampaignRef {
	out := make([]engine.CampaignRef, len(refs))
	for i, r := range refs {
		out[i] = engine.CampaignRef(r)
	}
	return out
}
