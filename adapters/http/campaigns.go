package http

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// CampaignCommands are the campaign writes the campaign routes send:
// *commands.Handlers.
type CampaignCommands interface {
	CreateCampaign(context.Context, commands.CreateCampaign) (commands.Result, error)
	EditCampaign(context.Context, commands.EditCampaign) (commands.Result, error)
	DeleteCampaign(context.Context, commands.DeleteCampaign) (commands.Result, error)
	StartCampaign(context.Context, commands.StartCampaign) (commands.Result, error)
	StopCampaign(context.Context, commands.StopCampaign) (commands.Result, error)
	CancelCampaign(context.Context, commands.CancelCampaign) (commands.Result, error)
	ArchiveCampaign(context.Context, commands.ArchiveCampaign) (commands.Result, error)
	CancelDeviceUpdate(context.Context, commands.CancelDeviceUpdate) (commands.Result, error)
	AcceptCampaignUpdate(context.Context, commands.AcceptCampaignUpdate) (commands.Result, error)
	RetryFailedCampaign(context.Context, commands.RetryFailedCampaign) (commands.Result, error)
	ApproveCampaign(context.Context, commands.ApproveCampaign) (commands.Result, error)
	PauseCampaign(context.Context, commands.PauseCampaign) (commands.Result, error)
	ResumeCampaign(context.Context, commands.ResumeCampaign) (commands.Result, error)
}

// CampaignReads are the campaign routes' reads of the read models:
// *projections.Queries.
type CampaignReads interface {
	Campaign(ctx context.Context, account domain.AccountID, id domain.CampaignID) (projections.Campaign, error)
	ListCampaigns(ctx context.Context, account domain.AccountID, req projections.ListRequest) (projections.Page[projections.Campaign], error)
	// CampaignNameInUse says whether a campaign of the account other
	// than except has the name.
	CampaignNameInUse(ctx context.Context, account domain.AccountID, name string, except domain.CampaignID) (bool, error)
}

// campaignID is the {id} of a campaign route.
func campaignID(r *http.Request) domain.CampaignID { return domain.CampaignID(chi.URLParam(r, "id")) }

// createCampaign creates a draft campaign: 201 with the campaign, 409 if
// the account has a campaign of that name. Without a name it is
// "campaign <id>".
func (d Deps) createCampaign(w http.ResponseWriter, r *http.Request) {
	var in campaignInput
	if err := decode(r, &in); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	meta, id := commandMeta(r), domain.CampaignID(newID(r, "campaign"))
	name := nameOr(deref(in.Name), "campaign", string(id))
	in.Name = &name
	spec, err := in.spec()
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	if err := d.nameFree(r.Context(), meta.Account, spec.Name, id); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	res, err := d.Campaigns.CreateCampaign(r.Context(), commands.CreateCampaign{Meta: meta, CampaignID: id, Spec: spec})
	d.answerCampaign(w, r, res, err, id, http.StatusCreated)
}

// nameFree answers a conflict if another campaign of the account than
// except has the name. The read models reflect every campaign a caller
// created before, since a create answers only once they do; two creates
// racing with one name are not caught.
func (d Deps) nameFree(ctx context.Context, account domain.AccountID, name string, except domain.CampaignID) error {
	if err := domain.CheckText("name", name, 128, false); err != nil {
		return err
	}
	used, err := d.CampaignReads.CampaignNameInUse(ctx, account, name, except)
	if err != nil {
		return err
	}
	if used {
		return domain.ConflictError{Reason: fmt.Sprintf("an update campaign named %q already exists", name)}
	}
	return nil
}

// answerCampaign answers a campaign command: its error, or once the read
// models reflect it, the campaign with status.
func (d Deps) answerCampaign(w http.ResponseWriter, r *http.Request, res commands.Result, err error, id domain.CampaignID, status int) {
	if err == nil {
		err = d.settle(r.Context(), res.Position)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	c, err := d.CampaignReads.Campaign(r.Context(), accountOf(r.Context()), id)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, status, campaignObject(c))
}

// getCampaign answers one campaign of the account.
func (d Deps) getCampaign(w http.ResponseWriter, r *http.Request) {
	c, err := d.CampaignReads.Campaign(r.Context(), accountOf(r.Context()), campaignID(r))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, campaignObject(c))
}

// listCampaigns answers a page of the account's campaigns.
func (d Deps) listCampaigns(w http.ResponseWriter, r *http.Request) {
	answerList(d, w, r, d.CampaignReads.ListCampaigns, campaignObject)
}

// updateCampaign edits a campaign: every field in draft, name and
// description later. An If-Match header with the campaign's etag makes
// the edit conditional: a stale etag answers 409, like every conflict.
// A state of scheduled also starts a draft, as older SDKs ask (putState).
func (d Deps) updateCampaign(w http.ResponseWriter, r *http.Request) {
	var in campaignInput
	if err := decode(r, &in); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	edit, err := in.edit()
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	ifMatch, err := ifMatch(r)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	meta, id := commandMeta(r), campaignID(r)
	start, err := d.putState(r.Context(), meta.Account, id, in.State)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	if start == startOnly {
		res, err := d.Campaigns.StartCampaign(r.Context(), commands.StartCampaign{Meta: meta, CampaignID: id})
		d.answerCampaign(w, r, res, err, id, http.StatusOK)
		return
	}
	if in.Name != nil {
		if err := d.nameFree(r.Context(), meta.Account, *in.Name, id); err != nil {
			writeError(w, r, d.Log, err)
			return
		}
	}
	res, err := d.Campaigns.EditCampaign(r.Context(), commands.EditCampaign{Meta: meta, CampaignID: id, Edit: edit, IfMatch: ifMatch})
	if err == nil && start == startAfterEdit {
		meta.CommandID += "/start" // the edit's event ids and the start's must differ
		res, err = d.Campaigns.StartCampaign(r.Context(), commands.StartCampaign{Meta: meta, CampaignID: id})
	}
	d.answerCampaign(w, r, res, err, id, http.StatusOK)
}

// ifMatch reads the If-Match header: a campaign etag, quoted or not.
func ifMatch(r *http.Request) (*uint64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return nil, nil
	}
	n, err := strconv.ParseUint(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil {
		return nil, domain.InvalidError{Field: "If-Match", Reason: fmt.Sprintf("%q is not an etag of this API", h)}
	}
	return &n, nil
}

// deleteCampaign deletes a draft campaign: 204.
func (d Deps) deleteCampaign(w http.ResponseWriter, r *http.Request) {
	res, err := d.Campaigns.DeleteCampaign(r.Context(), commands.DeleteCampaign{Meta: commandMeta(r), CampaignID: campaignID(r)})
	d.answerNoContent(w, r, res, err)
}

// startCampaign starts a campaign: 202 with the campaign; the engine
// takes it through its phases. It sends the command itself rather than a
// message on deployment-service-apply-firmware-update, so that the caller
// gets the command's answer (409 for a campaign that cannot start) on
// every bus: on Kafka a queued start could only answer before it ran.
func (d Deps) startCampaign(w http.ResponseWriter, r *http.Request) {
	id := campaignID(r)
	res, err := d.Campaigns.StartCampaign(r.Context(), commands.StartCampaign{Meta: commandMeta(r), CampaignID: id})
	d.answerCampaign(w, r, res, err, id, http.StatusAccepted)
}

// stopCampaign asks to stop a campaign: 202 with the campaign.
func (d Deps) stopCampaign(w http.ResponseWriter, r *http.Request) {
	id := campaignID(r)
	res, err := d.Campaigns.StopCampaign(r.Context(), commands.StopCampaign{Meta: commandMeta(r), CampaignID: id})
	d.answerCampaign(w, r, res, err, id, http.StatusAccepted)
}

// archiveCampaign archives a stopped campaign: 202 with the campaign.
func (d Deps) archiveCampaign(w http.ResponseWriter, r *http.Request) {
	id := campaignID(r)
	res, err := d.Campaigns.ArchiveCampaign(r.Context(), commands.ArchiveCampaign{Meta: commandMeta(r), CampaignID: id})
	d.answerCampaign(w, r, res, err, id, http.StatusAccepted)
}
