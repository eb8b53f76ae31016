package http

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// MetadataReads are the reads of a campaign's per-device records:
// *projections.Queries.
type MetadataReads interface {
	CampaignDeviceMetadata(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, id string) (projections.DeviceMetadata, error)
	ListCampaignDeviceMetadata(ctx context.Context, account domain.AccountID, campaign domain.CampaignID,
		req projections.ListRequest) (projections.Page[projections.DeviceMetadata], error)
}

// metadataJSON is Pelion's campaign-device metadata object. Its
// deployment_state holds only Pelion's six values; the device's finer
// state is in the extra fields update_state, campaigner_status,
// result_code, skip_reason, reason and attempts, and the rollout wave it
// was started in (0: none).
type metadataJSON struct {
	Object           string    `json:"object"`
	ID               string    `json:"id"`
	Campaign         string    `json:"campaign"`
	DeviceID         string    `json:"device_id"`
	DeploymentState  string    `json:"deployment_state"`
	Mechanism        string    `json:"mechanism"`
	MechanismURL     string    `json:"mechanism_url"`
	Name             string    `json:"name"`
	Description      string    `json:"description"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	Etag             string    `json:"etag"`
	UpdateState      string    `json:"update_state"`
	CampaignerStatus string    `json:"campaigner_status"`
	ResultCode       *int      `json:"result_code"`
	SkipReason       *string   `json:"skip_reason"`
	Reason           string    `json:"reason"`
	// Attempts counts the update's attempts: 1, one more per retry.
	Attempts int `json:"attempts"`
	Wave     int `json:"wave"`
}

func metadataObject(m projections.DeviceMetadata) metadataJSON {
	var skip *string
	if m.SkipReason != "" {
		s := string(m.SkipReason)
		skip = &s
	}
	return metadataJSON{Object: "update-campaign-device-metadata", ID: m.ID, Campaign: string(m.CampaignID),
		DeviceID: string(m.DeviceID), DeploymentState: m.DeploymentState, Mechanism: m.Mechanism, MechanismURL: m.MechanismURL,
		Name: m.Name, Description: m.Description, CreatedAt: utc(m.CreatedAt), UpdatedAt: utc(m.UpdatedAt), Etag: m.Etag,
		UpdateState: string(m.UpdateState), CampaignerStatus: m.CampaignerStatus, ResultCode: m.ResultCode,
		SkipReason: skip, Reason: m.Reason, Attempts: m.Attempts, Wave: m.Wave}
}

// listCampaignDeviceMetadata answers a page of a campaign's per-device
// records, in device id order.
func (d Deps) listCampaignDeviceMetadata(w http.ResponseWriter, r *http.Request) {
	req, err := projections.ParseListRequest(r.URL.Query())
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	page, err := d.Metadata.ListCampaignDeviceMetadata(r.Context(), accountOf(r.Context()), campaignID(r), req)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, listOf(page, metadataObject))
}

// getCampaignDeviceMetadata answers one per-device record of a campaign.
func (d Deps) getCampaignDeviceMetadata(w http.ResponseWriter, r *http.Request) {
	m, err := d.Metadata.CampaignDeviceMetadata(r.Context(), accountOf(r.Context()), campaignID(r), chi.URLParam(r, "metadata_id"))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, metadataObject(m))
}
