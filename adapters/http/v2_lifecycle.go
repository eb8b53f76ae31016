package http

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// launchV2Campaign launches a prepared campaign (our start): 200. A
// campaign launched before, whatever its status since, answers 409
// campaign_already_launched.
func (d Deps) launchV2Campaign(w http.ResponseWriter, r *http.Request) {
	id, err := v2CampaignID(r)
	var res commands.Result
	if err == nil {
		res, err = d.Campaigns.StartCampaign(r.Context(), commands.StartCampaign{Meta: commandMeta(r), CampaignID: id})
	}
	if domain.KindOf(err) == domain.KindConflict {
		err = errCampaignLaunched
	}
	d.answerV2(w, r, res, err)
}

// cancelV2Campaign cancels a campaign: 200, and the campaign reads
// cancelled at once. A prepared one stops at once (in /v3: stopped,
// userstopped); a launched one stops as its user's stop, the campaign
// engine cancelling its devices that have not finished. An ended campaign
// answers 409 conflicting_entity.
func (d Deps) cancelV2Campaign(w http.ResponseWriter, r *http.Request) {
	id, err := v2CampaignID(r)
	var res commands.Result
	if err == nil {
		res, err = d.Campaigns.CancelCampaign(r.Context(), commands.CancelCampaign{Meta: commandMeta(r), CampaignID: id})
	}
	d.answerV2(w, r, res, err)
}

// cancelV2Device cancels one device of a campaign: 200. A requested
// (pending) device is cancelled at once; for one under way the request is
// recorded, and the campaign engine cancels it where it was assigned (in
// the Director, which may find it updating already) and records it
// cancelled. A device whose update had already ended keeps the state it
// ended in, and the answer is 200 too, as for any cancel that finds
// nothing left to cancel; a device without an update in the campaign
// answers 404.
func (d Deps) cancelV2Device(w http.ResponseWriter, r *http.Request) {
	id, err := v2CampaignID(r)
	var res commands.Result
	if err == nil {
		res, err = d.Campaigns.CancelDeviceUpdate(r.Context(), commands.CancelDeviceUpdate{Meta: commandMeta(r),
			CampaignID: id, DeviceID: domain.DeviceID(chi.URLParam(r, "device"))})
	}
	d.answerV2(w, r, res, err)
}

// answerV2 answers a Campaigner write: its error, or 200 without a body
// once the read models show it, so a read right after sees the change.
func (d Deps) answerV2(w http.ResponseWriter, r *http.Request, res commands.Result, err error) {
	if err == nil {
		err = d.settle(r.Context(), res.Position)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
