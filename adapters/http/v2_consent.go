package http

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// acceptV2Device is a device's user's consent to its update in a campaign
// that requires it (Campaigner took it through the device-facing API, as
// a campaign_accepted device event): 200, and the engine then assigns or
// sends the update. Accepting again answers 200 too; a device whose update
// is not awaiting consent answers 409 conflicting_entity, one without an
// update in the campaign (another account's included) 404.
func (d Deps) acceptV2Device(w http.ResponseWriter, r *http.Request) {
	id, err := v2CampaignID(r)
	var res commands.Result
	if err == nil {
		res, err = d.Campaigns.AcceptCampaignUpdate(r.Context(), commands.AcceptCampaignUpdate{Meta: commandMeta(r),
			CampaignID: id, DeviceID: domain.DeviceID(chi.URLParam(r, "device"))})
	}
	d.answerV2(w, r, res, err)
}
