package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// DeleteUploadJob deletes an upload job. Its chunks' blobs are the
// caller's to delete, after this is recorded (UploadJob rule 5).
type DeleteUploadJob struct {
	Meta
	UploadJobID domain.UploadJobID
}

// DeleteUploadJob handles DeleteUploadJob. Another account's job is not
// found.
func (h *Handlers) DeleteUploadJob(ctx context.Context, c DeleteUploadJob) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.UploadJobStream(c.UploadJobID), domain.LoadUploadJob,
		func(job *domain.UploadJob) error {
			if err := ownUploadJob(job, c.Meta, c.UploadJobID); err != nil {
				return err
			}
			return job.Delete(h.now())
		})
	return res, failed("DeleteUploadJob", err)
}
