package projections

import (
	"fmt"
	"strconv"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// uploadJobRow is a row of the upload_jobs table; the json tags are its
// columns.
type uploadJobRow struct {
	ID              string     `json:"id"`
	AccountID       string     `json:"account_id"`
	Name            string     `json:"name"`
	Description     string     `json:"description"`
	FirmwareImageID *string    `json:"firmware_image_id"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	DeletedAt       *time.Time `json:"deleted_at"`
}

// uploadJobChunkRow is a row of the upload_job_chunks table.
type uploadJobChunkRow struct {
	UploadJobID string    `json:"upload_job_id"`
	Chunk       int       `json:"chunk"`
	Length      int64     `json:"length"`
	Hash        string    `json:"hash"`
	CreatedAt   time.Time `json:"created_at"`
}

var (
	uploadJobsTable      = newTableSpec[uploadJobRow]("upload_jobs", "id")
	uploadJobChunksTable = newTableSpec[uploadJobChunkRow]("upload_job_chunks", "upload_job_id", "chunk")
)

// uploadJobsProjection maintains the upload jobs and their chunks from
// their streams. A chunk's row is only ever inserted, so it is put
// without a load (which takes text keys, and a chunk's number is not):
// upserted whole, which a redelivered event rewrites to the same.
type uploadJobsProjection struct {
	rows   *rowSet[uploadJobRow]
	chunks *rowSet[uploadJobChunkRow]
}

func newUploadJobsProjection() *uploadJobsProjection {
	return &uploadJobsProjection{
		rows:   newRowSet(uploadJobsTable, func(r *uploadJobRow) string { return r.ID }),
		chunks: newRowSet(uploadJobChunksTable, func(r *uploadJobChunkRow) string { return chunkKey(r.UploadJobID, r.Chunk) }),
	}
}

// chunkKey is the row key of a job's chunk.
func chunkKey(job string, chunk int) string { return job + keySep + strconv.Itoa(chunk) }

// apply writes one job event to the rows.
func (p *uploadJobsProjection) apply(env envelope) error {
	id := string(env.uploadJobID)
	if e, ok := env.event.(domain.UploadJobCreated); ok {
		at := env.at(e.At)
		p.rows.put(id, &uploadJobRow{ID: id, AccountID: string(e.AccountID), Name: e.JobName, Description: e.Description,
			CreatedAt: at, UpdatedAt: at})
		return nil
	}
	r := p.rows.edit(id)
	if r == nil {
		return fmt.Errorf("upload job %s has no row: %s without UploadJobCreated", id, env.event.Name())
	}
	switch e := env.event.(type) {
	case domain.UploadJobEdited:
		r.Name, r.Description, r.UpdatedAt = e.JobName, e.Description, env.at(e.At)
	case domain.UploadJobChunkAppended:
		at := env.at(e.At)
		r.UpdatedAt = at
		p.chunks.put(chunkKey(id, e.Chunk), &uploadJobChunkRow{UploadJobID: id, Chunk: e.Chunk, Length: e.Length, Hash: e.Hash, CreatedAt: at})
	case domain.UploadJobCompleted:
		image := string(e.FirmwareImageID)
		r.FirmwareImageID, r.UpdatedAt = &image, env.at(e.At)
	case domain.UploadJobDeleted:
		at := env.at(e.At)
		r.DeletedAt, r.UpdatedAt = &at, at
	default:
		return unhandled(env, "upload job")
	}
	return nil
}
