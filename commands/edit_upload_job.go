package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// EditUploadJob renames an upload job.
type EditUploadJob struct {
	Meta
	UploadJobID domain.UploadJobID
	Name        string
	Description string
}

// EditUploadJob handles EditUploadJob. Another account's job is not found.
func (h *Handlers) EditUploadJob(ctx context.Context, c EditUploadJob) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.UploadJobStream(c.UploadJobID), domain.LoadUploadJob,
		func(job *domain.UploadJob) error {
			if err := ownUploadJob(job, c.Meta, c.UploadJobID); err != nil {
				return err
			}
			return job.Edit(c.Name, c.Description, h.now())
		})
	return res, failed("EditUploadJob", err)
}
