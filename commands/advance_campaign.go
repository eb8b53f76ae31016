package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// The campaign engine's single-campaign steps. Each is a command on the
// campaign stream; the engine sends them with command ids derived from the
// campaign and the step, so a step repeated after a crash records nothing.

// CampaignStep names one of the engine's single-campaign steps.
type CampaignStep int

// The steps.
const (
	StepBeginTimedStart CampaignStep = iota // timed → starting once `when` has come
	StepPublish                             // devicecheck → publishing
	StepDeploy                              // publishing → active/deploying
	StepRemoveManifest                      // the manifest was deleted: stop as manifestremoved
)

// AdvanceCampaign performs one engine step on a campaign.
type AdvanceCampaign struct {
	Meta
	CampaignID domain.CampaignID
	Step       CampaignStep
}

// AdvanceCampaign handles AdvanceCampaign.
func (h *Handlers) AdvanceCampaign(ctx context.Context, c AdvanceCampaign) (Result, error) {
	return update(ctx, h, c.Meta, domain.CampaignStream(c.CampaignID), domain.LoadCampaign, func(cp *domain.Campaign) error {
		if err := ownCampaign(cp, c.Meta, c.CampaignID); err != nil {
			return err
		}
		now := h.now()
		switch c.Step {
		case StepBeginTimedStart:
			return cp.BeginTimedStart(now)
		case StepPublish:
			return cp.Publish(now)
		case StepDeploy:
			return cp.Deploy(now)
		case StepRemoveManifest:
			return cp.RemoveManifest(now)
		}
		return domain.InvalidError{Field: "step", Reason: "unknown campaign step"}
	})
}
