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
// first page is read (and its devices' Registry ids looked up) before the
// status is sent, so a missing campaign or a failing read answers an
// error; a read failing later cuts the body short, and the log says why.
func (d Deps) getFailedInstallationsCSV(w http.ResponseWriter, r *http.Request) {
	ctx, account, code := r.Context(), accountOf(r.Context()), r.URL.Query().Get("failureCode")
	id, err := v2CampaignID(r)
	if err == nil {
		_, err = d.CampaignReads.Campaign(ctx, account, id)
	}
	next := func(after domain.DeviceID) ([]projections.FailedInstallation, [][]string, error) {
		page, err := d.CampaignerReads.FailedInstallations(ctx, account, id, after, failedInstallationsPage)
		if err != nil {
			return nil, nil, err
		}
		rows, err := d.failedRows(ctx, account, code, page)
		return page, rows, err
	}
	var page []projections.FailedInstallation
	var rows [][]string
	if err == nil {
		page, rows, err = next("")
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if err := writeFailedInstallations(ctx, w, page, rows, next); err != nil {
		d.Log.ErrorContext(ctx, "failed-installations.csv cut short", "campaign", id, "error", err)
	}
}

// failedRows are the CSV rows of a page's failed devices with code (any
// when empty).
func (d Deps) failedRows(ctx context.Context, account domain.AccountID, code string, page []projections.FailedInstallation) ([][]string, error) {
	kept := make([]projections.FailedInstallation, 0, len(page))
	for _, f := range page {
		if code == "" || f.FailureCode == code {
			kept = append(kept, f)
		}
	}
	ids, err := d.csvDeviceIDs(ctx, account, kept)
	if err != nil {
		return nil, err
	}
	rows := make([][]string, len(kept))
	for i, f := range kept {
		rows[i] = []string{ids[i], f.FailureCode, f.Description}
	}
	return rows, nil
}

// writeFailedInstallations writes the CSV's header and the rows of the
// failed devices, page after page until a short one.
func writeFailedInstallations(ctx context.Context, w http.ResponseWriter, page []projections.FailedInstallation, rows [][]string,
	next func(after domain.DeviceID) ([]projections.FailedInstallation, [][]string, error)) error {
	out := csv.NewWriter(w)
	out.Comma = ';'
	if err := out.Write([]string{"Device ID", "Failure Code", "Failure Description"}); err != nil {
		return err
	}
	for {
		if err := out.WriteAll(rows); err != nil || len(page) < failedInstallationsPage || ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
		var err error
		if page, rows, err = next(page[len(page)-1].DeviceID); err != nil {
			return err
		}
	}
}
