package engine

import (
	"context"
	"errors"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// manifestRemoved stops the campaign as manifestremoved when its manifest
// is deleted, and reports whether it did. The follower stops such
// campaigns as soon as it sees the deletion; this look at the manifest's
// stream, at each step of a campaign that may still send, is what holds
// after any restart: an engine stopped after its checkpoint passed the
// deletion, but before it stopped the campaigns, would otherwise go on
// sending the deleted manifest.
func (d *driver) manifestRemoved(ctx context.Context, cp *domain.Campaign) (bool, error) {
	_, err := d.e.cmds.Manifest(ctx, d.account, cp.ManifestID())
	var notFound domain.NotFoundError
	if !errors.As(err, &notFound) {
		return false, err
	}
	res, err := d.e.cmds.AdvanceCampaign(ctx, commands.AdvanceCampaign{Meta: d.meta("manifest-removed"),
		CampaignID: d.id, Step: commands.StepRemoveManifest})
	d.wrote(res)
	return true, err
}
