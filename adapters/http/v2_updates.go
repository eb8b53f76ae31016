package http

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// UpdateCommands are the update writes of Campaigner's routes:
// *commands.Handlers.
type UpdateCommands interface {
	CreateUpdate(context.Context, commands.CreateUpdate) (commands.Result, error)
}

// UpdateReads are the update reads of Campaigner's routes:
// *projections.Queries.
type UpdateReads interface {
	Update(ctx context.Context, account domain.AccountID, id domain.UpdateID) (projections.Update, error)
	ListUpdates(ctx context.Context, account domain.AccountID, req projections.OffsetRequest) (projections.OffsetPage[projections.Update], error)
	// UpdateSourceInUse says whether an update of the account has the
	// source id.
	UpdateSourceInUse(ctx context.Context, account domain.AccountID, source string) (bool, error)
}

// updateSourceJSON is an update's source, as Campaigner names it.
type updateSourceJSON struct {
	ID         string `json:"id"`
	SourceType string `json:"sourceType"`
}

// updateJSON is Campaigner's update object.
type updateJSON struct {
	UUID        string           `json:"uuid"`
	Source      updateSourceJSON `json:"source"`
	Namespace   string           `json:"namespace"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	CreatedAt   time.Time        `json:"createdAt"`
	UpdatedAt   time.Time        `json:"updatedAt"`
}

func updateObject(u projections.Update) updateJSON {
	return updateJSON{UUID: toV2ID(string(u.ID)), Source: updateSourceJSON{ID: u.SourceID, SourceType: u.SourceType},
		Namespace: string(u.AccountID), Name: u.Name, Description: u.Description, CreatedAt: utc(u.CreatedAt), UpdatedAt: utc(u.UpdatedAt)}
}

// updateInput is the body of an update create.
type updateInput struct {
	UpdateSource updateSourceJSON `json:"updateSource"`
	Name         string           `json:"name"`
	Description  string           `json:"description"`
}

// createUpdate creates an update: 201 with its id and Location; 409
// update_already_exists when an update of the account has the source id
// (one update per source: two would be two ids for one firmware).
func (d Deps) createUpdate(w http.ResponseWriter, r *http.Request) {
	var in updateInput
	if err := decode(r, &in); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	meta, id := commandMeta(r), domain.UpdateID(newID(r, "update"))
	c := commands.CreateUpdate{Meta: meta, UpdateID: id, Spec: domain.UpdateSpec{SourceID: in.UpdateSource.ID,
		SourceType: domain.UpdateSourceType(in.UpdateSource.SourceType), Name: in.Name, Description: in.Description}}
	if err := c.Spec.Validate(); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	used, err := d.UpdateReads.UpdateSourceInUse(r.Context(), meta.Account, in.UpdateSource.ID)
	if err == nil && used {
		err = errUpdateExists
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	res, err := d.Updates.CreateUpdate(r.Context(), c)
	if err == nil {
		err = d.settle(r.Context(), res.Position)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	w.Header().Set("Location", "/api/v2/updates/"+toV2ID(string(id)))
	writeJSON(w, http.StatusCreated, toV2ID(string(id)))
}

// listUpdates answers a page of the account's updates.
func (d Deps) listUpdates(w http.ResponseWriter, r *http.Request) {
	req, err := parseOffsetRequest(r.URL.Query())
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	page, err := d.UpdateReads.ListUpdates(r.Context(), accountOf(r.Context()), req)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, offsetPageOf(page, updateObject))
}

// getUpdate answers one update of the account.
func (d Deps) getUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := fromV2ID(chi.URLParam(r, "id"), "update")
	var u projections.Update
	if err == nil {
		u, err = d.UpdateReads.Update(r.Context(), accountOf(r.Context()), domain.UpdateID(id))
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, updateObject(u))
}
