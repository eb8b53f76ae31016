package http

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// CampaignerReads are the reads of Campaigner's campaign routes:
// *projections.Queries.
type CampaignerReads interface {
	ListCampaignerCampaigns(ctx context.Context, account domain.AccountID, req projections.CampaignerListRequest) (projections.OffsetPage[projections.Campaign], error)
	CountCampaigns(ctx context.Context, account domain.AccountID) (projections.CampaignCounts, error)
	// MatchingDevices pages the devices a selection targets; a create
	// asks for one, to refuse a campaign without devices.
	MatchingDevices(ctx context.Context, account domain.AccountID, sel domain.DeviceSelection, after domain.DeviceID, limit int) ([]domain.DeviceID, error)
	DeviceCampaigns(ctx context.Context, account domain.AccountID, device domain.DeviceID) ([]projections.DeviceCampaign, error)
	// FailedInstallations pages a campaign's failed devices by device id.
	FailedInstallations(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, after domain.DeviceID, limit int) ([]projections.FailedInstallation, error)
}

// v2DeviceFilter is the device filter of a campaign made through
// Campaigner's API: its groups' registered devices.
const v2DeviceFilter = "state__eq=registered"

// v2CampaignInput is the body of Campaigner's campaign create and update.
type v2CampaignInput struct {
	Name           string                     `json:"name"`
	Update         string                     `json:"update"`
	Groups         []string                   `json:"groups"`
	Metadata       *[]domain.CampaignMetadata `json:"metadata"`
	ApprovalNeeded bool                       `json:"approvalNeeded"`
	// RolloutPolicy is /v3's rollout_policy object, taken on create only
	// (an update changes name and metadata, as Campaigner's did).
	RolloutPolicy optionalPolicy `json:"rolloutPolicy"`
}

// createV2Campaign creates a campaign of an update over device groups:
// 201 with its id as a JSON string. The update must be a UUID (else 400),
// the account's, and its source one of the account's manifests (else 412
// missing_update_source); the groups must hold a device (else 400
// campaign_without_devices): in the Device Registry when one is
// configured, else a registered device of the catalog; the name must be
// free (else 409
// campaign_already_exists).
func (d Deps) createV2Campaign(w http.ResponseWriter, r *http.Request) {
	var in v2CampaignInput
	if err := decode(r, &in); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	meta, id := commandMeta(r), domain.CampaignID(newID(r, "campaign"))
	spec, err := d.v2Spec(r.Context(), meta.Account, in)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	res, err := d.Campaigns.CreateCampaign(r.Context(), commands.CreateCampaign{Meta: meta, CampaignID: id, Spec: spec})
	if err == nil {
		err = d.settle(r.Context(), res.Position)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusCreated, toV2ID(string(id)))
}

// v2Spec checks a create's body, in Campaigner's order of errors, and
// returns the campaign's spec.
func (d Deps) v2Spec(ctx context.Context, account domain.AccountID, in v2CampaignInput) (domain.CampaignSpec, error) {
	// The manifest is known once the update is read: a stand-in lets the
	// body's own problems answer 400 before any read.
	spec := domain.CampaignSpec{Name: in.Name, DeviceFilter: v2DeviceFilter, Groups: in.Groups,
		Metadata: deref(in.Metadata), ConsentRequired: in.ApprovalNeeded, ManifestID: "stand-in"}
	if len(in.Groups) == 0 {
		return spec, domain.InvalidError{Field: "groups", Reason: "must name at least one group"}
	}
	if in.RolloutPolicy.present() {
		p, err := in.RolloutPolicy.parse()
		if err != nil {
			return spec, err
		}
		spec.Rollout = p
	}
	if err := spec.Validate(); err != nil {
		return spec, err
	}
	// An update that is no UUID is a body Campaigner could not read.
	update, err := fromV2ID(in.Update, "update")
	if err != nil {
		return spec, domain.InvalidError{Field: "update", Reason: fmt.Sprintf("%q is not a UUID", in.Update)}
	}
	u, err := d.UpdateReads.Update(ctx, account, domain.UpdateID(update))
	if err == nil {
		_, err = d.ManifestReads.Manifest(ctx, account, domain.ManifestID(u.SourceID))
	}
	if domain.KindOf(err) == domain.KindNotFound {
		return spec, errMissingUpdateSource
	} else if err != nil {
		return spec, err
	}
	spec.UpdateID, spec.ManifestID = u.ID, domain.ManifestID(u.SourceID)
	if err := d.v2NameFree(ctx, account, in.Name, ""); err != nil {
		return spec, err
	}
	some, err := d.groupsHaveDevices(ctx, account, in.Groups)
	if err == nil && !some {
		err = errCampaignWithoutDevices
	}
	return spec, err
}

// v2NameFree answers campaign_already_exists when another campaign of the
// account than except has the name.
func (d Deps) v2NameFree(ctx context.Context, account domain.AccountID, name string, except domain.CampaignID) error {
	used, err := d.CampaignReads.CampaignNameInUse(ctx, account, name, except)
	if err == nil && used {
		err = errCampaignExists
	}
	return err
}

// listV2Campaigns answers a page of the account's campaigns.
func (d Deps) listV2Campaigns(w http.ResponseWriter, r *http.Request) {
	req, err := parseCampaignerList(r.URL.Query())
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	page, err := d.CampaignerReads.ListCampaignerCampaigns(r.Context(), accountOf(r.Context()), req)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, offsetPageOf(page, v2CampaignItem))
}

// getV2Campaign answers one campaign of the account.
func (d Deps) getV2Campaign(w http.ResponseWriter, r *http.Request) {
	id, err := v2CampaignID(r)
	var c projections.Campaign
	if err == nil {
		c, err = d.CampaignReads.Campaign(r.Context(), accountOf(r.Context()), id)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, v2CampaignObject(c))
}

// updateV2Campaign renames a campaign and, when the body has metadata,
// replaces its metadata: 200 with the campaign.
func (d Deps) updateV2Campaign(w http.ResponseWriter, r *http.Request) {
	var in v2CampaignInput
	if err := decode(r, &in); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	id, err := v2CampaignID(r)
	if err == nil {
		err = domain.CheckText("name", in.Name, 128, false)
	}
	if err == nil {
		err = d.v2NameFree(r.Context(), accountOf(r.Context()), in.Name, id)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	edit := domain.CampaignEdit{Name: &in.Name, Metadata: in.Metadata}
	res, err := d.Campaigns.EditCampaign(r.Context(), commands.EditCampaign{Meta: commandMeta(r), CampaignID: id, Edit: edit})
	if err == nil {
		err = d.settle(r.Context(), res.Position)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	d.getV2Campaign(w, r)
}

// countV2Campaigns answers how many campaigns of the account have each
// Campaigner status.
func (d Deps) countV2Campaigns(w http.ResponseWriter, r *http.Request) {
	counts, err := d.CampaignerReads.CountCampaigns(r.Context(), accountOf(r.Context()))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	out := map[domain.CampaignStatus]int64{}
	for _, s := range domain.CampaignStatuses {
		out[s] = counts[s]
	}
	writeJSON(w, http.StatusOK, out)
}

// v2CampaignItemJSON is a campaign in Campaigner's list. A campaign made
// through /v3 has no update: updateId is null; mainCampaignId and
// failureCode are null but for a retry campaign.
type v2CampaignItemJSON struct {
	Namespace      string    `json:"namespace"`
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	UpdateID       *string   `json:"updateId"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	MainCampaignID *string   `json:"mainCampaignId"`
	FailureCode    *string   `json:"failureCode"`
	AutoAccept     bool      `json:"autoAccept"`
}

func v2CampaignItem(c projections.Campaign) v2CampaignItemJSON {
	var update *string
	if c.UpdateID != "" {
		u := toV2ID(string(c.UpdateID))
		update = &u
	}
	item := v2CampaignItemJSON{Namespace: string(c.AccountID), ID: toV2ID(string(c.ID)), Name: c.Name, UpdateID: update,
		Status: string(c.CampaignerStatus), CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt), AutoAccept: !c.ConsentRequired}
	if c.MainCampaignID != "" {
		main, code := toV2ID(string(c.MainCampaignID)), c.FailureCode
		item.MainCampaignID, item.FailureCode = &main, &code
	}
	return item
}

// v2CampaignJSON is Campaigner's campaign object: a list item with update
// for updateId, plus its groups, retry campaigns and metadata.
type v2CampaignJSON struct {
	v2CampaignItemJSON
	UpdateID         *string                   `json:"updateId,omitempty"`
	Update           *string                   `json:"update"`
	Groups           []string                  `json:"groups"`
	RetryCampaignIDs []string                  `json:"retryCampaignIds"`
	Metadata         []domain.CampaignMetadata `json:"metadata"`
}

func v2CampaignObject(c projections.Campaign) v2CampaignJSON {
	item := v2CampaignItem(c)
	retries := []string{}
	for _, r := range c.RetryCampaignIDs {
		retries = append(retries, toV2ID(string(r)))
	}
	return v2CampaignJSON{v2CampaignItemJSON: item, Update: item.UpdateID, Groups: append([]string{}, c.Groups...),
		RetryCampaignIDs: retries, Metadata: append([]domain.CampaignMetadata{}, c.Metadata...)}
}
