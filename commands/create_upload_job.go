package commands

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// CreateUploadJob creates an upload job, to which the image's chunks are
// then appended.
type CreateUploadJob struct {
	Meta
	UploadJobID domain.UploadJobID
	Name        string
	Description string
}

// CreateUploadJob handles CreateUploadJob. A job id that is taken answers
// domain.ConflictError.
func (h *Handlers) CreateUploadJob(ctx context.Context, c CreateUploadJob) (Result, error) {
	js := domain.UploadJobStream(c.UploadJobID)
	res, err := retry(ctx, func() (Result, error) {
		existing, err := load(ctx, h.store, js, domain.LoadUploadJob)
		if err != nil {
			return Result{}, err
		}
		if pos, ok := existing.handledBefore(c.Meta); ok {
			return Result{Position: pos}, nil
		}
		job, err := domain.NewUploadJob(c.UploadJobID, c.Account, c.Name, c.Description, h.now())
		if err != nil {
			return Result{}, err
		}
		if existing.exists() {
			return Result{}, domain.ConflictError{Reason: fmt.Sprintf("upload job %s already exists", c.UploadJobID)}
		}
		return h.saveAll(ctx, c.Meta, nil, existing.as(job))
	})
	return res, failed("CreateUploadJob", err)
}
