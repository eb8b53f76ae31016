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

// UploadJobCommands are the upload job writes and the command side's reads
// the upload job routes need: *commands.Handlers.
type UploadJobCommands interface {
	CreateUploadJob(context.Context, commands.CreateUploadJob) (commands.Result, error)
	EditUploadJob(context.Context, commands.EditUploadJob) (commands.Result, error)
	AppendUploadJobChunk(context.Context, commands.AppendUploadJobChunk) (commands.Result, error)
	CompleteUploadJob(context.Context, commands.CompleteUploadJob) (commands.Result, error)
	DeleteUploadJob(context.Context, commands.DeleteUploadJob) (commands.Result, error)
	// UploadJob is the job as its stream says: its chunks' blobs and the
	// hash state the next chunk continues.
	UploadJob(ctx context.Context, account domain.AccountID, id domain.UploadJobID) (*domain.UploadJob, error)
}

// UploadJobReads are the upload job routes' reads of the read models:
// *projections.Queries.
type UploadJobReads interface {
	UploadJob(ctx context.Context, account domain.AccountID, id domain.UploadJobID) (projections.UploadJob, error)
	ListUploadJobs(ctx context.Context, account domain.AccountID, req projections.ListRequest) (projections.Page[projections.UploadJob], error)
	UploadJobChunk(ctx context.Context, account domain.AccountID, job domain.UploadJobID, n int) (projections.UploadJobChunk, error)
	ListUploadJobChunks(ctx context.Context, account domain.AccountID, job domain.UploadJobID, req projections.ListRequest) (projections.Page[projections.UploadJobChunk], error)
}

// uploadJobJSON is Pelion's upload job object.
type uploadJobJSON struct {
	Object          string    `json:"object"`
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Description     string    `json:"description"`
	Complete        bool      `json:"complete"`
	Status          string    `json:"status"`
	FirmwareImageID *string   `json:"firmware_image_id"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	Etag            time.Time `json:"etag"`
}

// uploadJobObject renders a job; its etag is its last change, a date-time
// as generated Pelion clients type it.
func uploadJobObject(j projections.UploadJob) uploadJobJSON {
	out := uploadJobJSON{Object: "upload-job", ID: string(j.ID), Name: j.Name, Description: j.Description, Status: "in_progress",
		CreatedAt: utc(j.CreatedAt), UpdatedAt: utc(j.UpdatedAt), Etag: utc(j.UpdatedAt)}
	if j.FirmwareImageID != nil {
		image := string(*j.FirmwareImageID)
		out.Complete, out.Status, out.FirmwareImageID = true, "completed", &image
	}
	return out
}

// uploadJobInput is the body of a create or a PUT.
type uploadJobInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

func uploadJobID(r *http.Request) domain.UploadJobID {
	return domain.UploadJobID(chi.URLParam(r, "id"))
}

// createUploadJob creates a job: 201 with it.
func (d Deps) createUploadJob(w http.ResponseWriter, r *http.Request) {
	var in uploadJobInput
	if err := decode(r, &in); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	id := domain.UploadJobID(newID(r, "upload-job"))
	res, err := d.UploadJobs.CreateUploadJob(r.Context(), commands.CreateUploadJob{Meta: commandMeta(r), UploadJobID: id,
		Name: in.Name, Description: in.Description})
	d.answerUploadJob(w, r, http.StatusCreated, id, res, err)
}

// editUploadJob renames a job: 200 with it.
func (d Deps) editUploadJob(w http.ResponseWriter, r *http.Request) {
	var in uploadJobInput
	if err := decode(r, &in); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	id := uploadJobID(r)
	res, err := d.UploadJobs.EditUploadJob(r.Context(), commands.EditUploadJob{Meta: commandMeta(r), UploadJobID: id,
		Name: in.Name, Description: in.Description})
	d.answerUploadJob(w, r, http.StatusOK, id, res, err)
}

// answerUploadJob answers a job write: its error, or the job once the
// read models show the write.
func (d Deps) answerUploadJob(w http.ResponseWriter, r *http.Request, status int, id domain.UploadJobID, res commands.Result, err error) {
	if err == nil {
		err = d.settle(r.Context(), res.Position)
	}
	var job projections.UploadJob
	if err == nil {
		job, err = d.UploadJobReads.UploadJob(r.Context(), accountOf(r.Context()), id)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, status, uploadJobObject(job))
}

// getUploadJob answers one job of the account.
func (d Deps) getUploadJob(w http.ResponseWriter, r *http.Request) {
	job, err := d.UploadJobReads.UploadJob(r.Context(), accountOf(r.Context()), uploadJobID(r))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, uploadJobObject(job))
}

// listUploadJobs answers a page of the account's jobs.
func (d Deps) listUploadJobs(w http.ResponseWriter, r *http.Request) {
	answerList(d, w, r, d.UploadJobReads.ListUploadJobs, uploadJobObject)
}

// deleteUploadJob deletes a job, then its chunks' blobs: 204. A crash
// between the two leaves orphan blobs, never a chunk without content.
func (d Deps) deleteUploadJob(w http.ResponseWriter, r *http.Request) {
	ctx, account, id := r.Context(), accountOf(r.Context()), uploadJobID(r)
	job, err := d.UploadJobs.UploadJob(ctx, account, id)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	res, err := d.UploadJobs.DeleteUploadJob(ctx, commands.DeleteUploadJob{Meta: commandMeta(r), UploadJobID: id})
	if err == nil {
		d.dropChunks(ctx, job)
	}
	d.answerNoContent(w, r, res, err)
}

// dropChunks deletes the blobs of a job's chunks: once it is deleted, or
// once they are composed into its image.
func (d Deps) dropChunks(ctx context.Context, job *domain.UploadJob) {
	for _, c := range job.Chunks() {
		d.dropBlob(ctx, c.BlobKey)
	}
}
