package http

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// v2DeviceCampaignsJSON is Campaigner's list of the campaigns a device is
// in. deviceId is our device id, not yet the Device Registry's.
type v2DeviceCampaignsJSON struct {
	DeviceID  string                 `json:"deviceId"`
	Campaigns []v2DeviceCampaignJSON `json:"campaigns"`
}

// v2DeviceCampaignJSON is one campaign of a device. Campaigner read size,
// the update's download size for the device, from a resolver the service
// does not have: it is null.
type v2DeviceCampaignJSON struct {
	ID       string                    `json:"id"`
	Name     string                    `json:"name"`
	Size     *int64                    `json:"size"`
	Metadata []domain.CampaignMetadata `json:"metadata"`
}

// getV2DeviceCampaigns answers the account's campaigns the device has an
// update in. A device the account does not have is in none: an empty list,
// as Campaigner answers.
func (d Deps) getV2DeviceCampaigns(w http.ResponseWriter, r *http.Request) {
	device := domain.DeviceID(chi.URLParam(r, "device"))
	cs, err := d.CampaignerReads.DeviceCampaigns(r.Context(), accountOf(r.Context()), device)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	out := v2DeviceCampaignsJSON{DeviceID: string(device), Campaigns: make([]v2DeviceCampaignJSON, len(cs))}
	for i, c := range cs {
		out.Campaigns[i] = v2DeviceCampaignJSON{ID: toV2ID(string(c.ID)), Name: c.Name,
			Metadata: append([]domain.CampaignMetadata{}, c.Metadata...)}
	}
	writeJSON(w, http.StatusOK, out)
}

// failedInstallationsPage is how many failed devices the CSV reads at a
// time: a campaign of any size streams in bounded memory.
const failedInstallationsPage = 1000

// getFailedInstallationsCSV answers the campaign's devices whose update
// failed, with that failureCode when given, as Campaigner's CSV. The
// first page is read before the status is sent, so a missing campaign or
// a failing read answers an error; a read failing later cuts the body
// short, and the log says why.
func (d Deps) getFailedInstallationsCSV(w http.ResponseWriter, r *http.Request) {
	ctx, account := r.Context(), accountOf(r.Context())
	id, err := v2CampaignID(r)
	if err == nil {
		_, err = d.CampaignReads.Campaign(ctx, account, id)
	}
	next := func(after domain.DeviceID) ([]projections.FailedInstallation, error) {
		return d.CampaignerReads.FailedInstallations(ctx, account, id, after, failedInstallationsPage)
	}
	var page []projections.FailedInstallation
	if err == nil {
		page, err = next("")
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if err := writeFailedInstallations(ctx, w, r.URL.Query().Get("failureCode"), page, next); err != nil {
		d.Log.ErrorContext(ctx, "failed-installations.csv cut short", "campaign", id, "error", err)
	}
}

// writeFailedInstallations writes the CSV's header and the failed devices
// with code (any when empty), page after page until a short one.
func writeFailedInstallations(ctx context.Context, w http.ResponseWriter, code string, page []projections.FailedInstallation,
	next func(after domain.DeviceID) ([]projections.FailedInstallation, error)) error {
	out := csv.NewWriter(w)
	out.Comma = ';'
	if err := out.Write([]string{"Device ID", "Failure Code", "Failure Description"}); err != nil {
		return err
	}
	for {
		for _, f := range page {
			if code != "" && f.FailureCode != code {
				continue
			}
			if err := out.Write([]string{string(f.DeviceID), f.FailureCode, f.Description}); err != nil {
				return err
			}
		}
		out.Flush()
		if err := out.Error(); err != nil || len(page) < failedInstallationsPage || ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
		var err error
		if page, err = next(page[len(page)-1].DeviceID); err != nil {
			return err
		}
	}
}
