package wiring

import (
	"context"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// Previews computes the HTTP API's campaign previews
// (httpapi.CampaignPreviews): the PreviewCampaign handler over the
// catalog read model, with the engine's pages, so that a preview
// estimates the start the engine will run.
type Previews struct {
	Commands *commands.Handlers
	Catalog  *projections.Queries
	// BatchSize and BatchDelay are the engine's SCHEDULER_BATCH_SIZE and
	// SCHEDULER_DELAY.
	BatchSize  int
	BatchDelay time.Duration
	// FromRegistry says a Device Registry is configured: the engine pages
	// campaigns with groups from it, and a preview refuses them.
	FromRegistry bool
}

// PreviewCampaign previews a draft campaign of the account.
func (p Previews) PreviewCampaign(ctx context.Context, account domain.AccountID, id domain.CampaignID) (*domain.CampaignPreview, error) {
	return p.Commands.PreviewCampaign(ctx, p.Catalog, commands.PreviewCampaign{Account: account, CampaignID: id,
		BatchSize: p.BatchSize, BatchDelay: p.BatchDelay, FromRegistry: p.FromRegistry})
}
