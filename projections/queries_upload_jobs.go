package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// UploadJob is an upload job as the API shows it.
type UploadJob struct {
	ID              domain.UploadJobID      `db:"id"`
	AccountID       domain.AccountID        `db:"account_id"`
	Name            string                  `db:"name"`
	Description     string                  `db:"description"`
	FirmwareImageID *domain.FirmwareImageID `db:"firmware_image_id"`
	CreatedAt       time.Time               `db:"created_at"`
	UpdatedAt       time.Time               `db:"updated_at"`
}

// UploadJobChunk is a chunk of an upload job as the API shows it.
type UploadJobChunk struct {
	UploadJobID domain.UploadJobID `db:"upload_job_id"`
	Chunk       int                `db:"chunk"`
	Length      int64              `db:"length"`
	Hash        string             `db:"hash"`
	CreatedAt   time.Time          `db:"created_at"`
}

var uploadJobList = listSpec{
	columns: "j.id, j.account_id, j.name, j.description, j.firmware_image_id, j.created_at, j.updated_at",
	from:    "upload_jobs j",
	keys:    []string{"j.created_at", "j.id"},
	cursor: func(p string) string {
		return "SELECT created_at, id FROM upload_jobs WHERE account_id = $1 AND id = " + p
	},
	fields: fields{
		"id":          {"j.id", kindText},
		"name":        {"j.name", kindText},
		"description": {"j.description", kindText},
		"created_at":  {"j.created_at", kindTime},
		"updated_at":  {"j.updated_at", kindTime},
	},
}

// uploadJobScope restricts jobs to the account's ($1): deleted jobs keep
// their rows but are gone for the API.
const uploadJobScope = "j.account_id = $1 AND j.deleted_at IS NULL"

var uploadJobChunkList = listSpec{
	columns: "c.upload_job_id, c.chunk, c.length, c.hash, c.created_at",
	from:    "upload_job_chunks c JOIN upload_jobs j ON j.id = c.upload_job_id",
	keys:    []string{"c.chunk"},
	// Compared as text, a cursor that is no chunk number matches none
	// instead of failing the query.
	cursor: func(p string) string {
		return "SELECT chunk FROM upload_job_chunks WHERE upload_job_id = $2 AND chunk::text = " + p
	},
	fields: fields{
		"length":     {"c.length", kindInt},
		"created_at": {"c.created_at", kindTime},
	},
}

// uploadJobChunkScope restricts chunks to those of the account's ($1) job
// $2.
const uploadJobChunkScope = uploadJobScope + " AND c.upload_job_id = $2"

// UploadJob returns one of the account's jobs.
func (q *Queries) UploadJob(ctx context.Context, account domain.AccountID, id domain.UploadJobID) (UploadJob, error) {
	job, err := one[UploadJob](ctx, q, domain.NotFoundError{Object: "upload job", ID: string(id)},
		fmt.Sprintf("SELECT %s FROM %s WHERE %s AND j.id = $2", uploadJobList.columns, uploadJobList.from, uploadJobScope), account, id)
	if err != nil {
		return job, fmt.Errorf("projections.UploadJob: %w", err)
	}
	return job, nil
}

// ListUploadJobs returns a page of the account's jobs in creation order,
// filtered and paged as every Pelion list.
func (q *Queries) ListUploadJobs(ctx context.Context, account domain.AccountID, req ListRequest) (Page[UploadJob], error) {
	p, err := list[UploadJob](ctx, q, uploadJobList, uploadJobScope, sqlArgs{account}, req)
	if err != nil {
		return p, fmt.Errorf("projections.ListUploadJobs: %w", err)
	}
	return p, nil
}

// UploadJobChunk returns chunk n of one of the account's jobs.
func (q *Queries) UploadJobChunk(ctx context.Context, account domain.AccountID, job domain.UploadJobID, n int) (UploadJobChunk, error) {
	c, err := one[UploadJobChunk](ctx, q, domain.NotFoundError{Object: "upload chunk", ID: fmt.Sprintf("%s/%d", job, n)},
		fmt.Sprintf("SELECT %s FROM %s WHERE %s AND c.chunk = $3", uploadJobChunkList.columns, uploadJobChunkList.from, uploadJobChunkScope),
		account, job, n)
	if err != nil {
		return c, fmt.Errorf("projections.UploadJobChunk: %w", err)
	}
	return c, nil
}

// ListUploadJobChunks returns a page of a job's chunks in order. The
// account's job that is not there lists no chunks.
func (q *Queries) ListUploadJobChunks(ctx context.Context, account domain.AccountID, job domain.UploadJobID, req ListRequest) (Page[UploadJobChunk], error) {
	p, err := list[UploadJobChunk](ctx, q, uploadJobChunkList, uploadJobChunkScope, sqlArgs{account, job}, req)
	if err != nil {
		return p, fmt.Errorf("projections.ListUploadJobChunks: %w", err)
	}
	return p, nil
}
