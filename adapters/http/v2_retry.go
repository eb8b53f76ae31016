package http

import (
	"context"
	"net/http"
	"strings"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// retryFailed makes the retry campaign of a campaign's devices whose
// update failed with failureCode, launched at once: 201 with its id. No
// such device answers 412 missing_failed_devices; a missing campaign 404;
// a prepared campaign, or a retry campaign, 409 conflicting_entity; a
// code retried before 409 campaign_already_exists.
func (d Deps) retryFailed(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FailureCode string `json:"failureCode"`
	}
	ctx, account := r.Context(), accountOf(r.Context())
	id, err := v2CampaignID(r)
	if err == nil {
		err = decode(r, &in)
	}
	if err == nil && strings.TrimSpace(in.FailureCode) == "" {
		err = domain.InvalidError{Field: "failureCode", Reason: "must not be empty"}
	}
	if err == nil {
		err = d.retriable(ctx, account, id)
	}
	if err == nil {
		// One retry campaign per code: its name says so.
		err = d.v2NameFree(ctx, account, domain.RetryName(id, in.FailureCode), "")
	}
	var devices []domain.DeviceID
	if err == nil {
		devices, err = d.failedWith(ctx, account, id, in.FailureCode)
	}
	if err == nil && len(devices) == 0 {
		err = errMissingFailedDevices
	}
	retryID := domain.CampaignID(newID(r, "campaign"))
	var res commands.Result
	if err == nil {
		res, err = d.Campaigns.RetryFailedCampaign(ctx, commands.RetryFailedCampaign{Meta: commandMeta(r), CampaignID: retryID,
			MainCampaignID: id, FailureCode: in.FailureCode, Devices: devices})
	}
	if err == nil {
		err = d.settle(ctx, res.Position)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusCreated, toV2ID(string(retryID)))
}

// retriable answers 404 for a missing campaign and 409 for one the
// RetryFailedCampaign command would refuse (prepared, or a retry
// campaign), before the failed devices are read.
func (d Deps) retriable(ctx context.Context, account domain.AccountID, id domain.CampaignID) error {
	c, err := d.CampaignReads.Campaign(ctx, account, id)
	if err == nil && (c.CampaignerStatus == domain.CampaignPrepared || c.MainCampaignID != "") {
		err = domain.InvalidTransitionError{Object: "campaign", From: string(c.Phase) + "/" + string(c.State), To: "retried"}
	}
	return err
}

// failedWith reads, page after page, the campaign's devices whose update
// failed with code.
func (d Deps) failedWith(ctx context.Context, account domain.AccountID, id domain.CampaignID, code string) ([]domain.DeviceID, error) {
	var devices []domain.DeviceID
	var after domain.DeviceID
	for {
		page, err := d.CampaignerReads.FailedInstallations(ctx, account, id, after, failedInstallationsPage)
		if err != nil {
			return nil, err
		}
		for _, f := range page {
			if f.FailureCode == code {
				devices = append(devices, f.DeviceID)
			}
		}
		if len(page) < failedInstallationsPage {
			return devices, nil
		}
		after = page[len(page)-1].DeviceID
	}
}
