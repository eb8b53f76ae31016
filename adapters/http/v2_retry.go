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
// a prepared campaign, or a retry campaign, 409 conflicting_entity.
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
		_, err = d.CampaignReads.Campaign(ctx, account, id)
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
