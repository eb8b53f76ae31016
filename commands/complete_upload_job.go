package commands

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// CompleteUploadJob makes a job's chunks firmware image FirmwareImageID:
// the caller has composed them as blob BlobKey, whose SHA-256 (hex) it
// finished from the last chunk's hash state. When it is refused, the
// caller deletes that blob.
type CompleteUploadJob struct {
	Meta
	UploadJobID     domain.UploadJobID
	FirmwareImageID domain.FirmwareImageID
	BlobKey         string
	Checksum        string
}

// CompleteUploadJob handles CompleteUploadJob: the job's completion and
// the image are recorded together, the image last, so a retry after a
// partial append on EventStoreDB completes both.
func (h *Handlers) CompleteUploadJob(ctx context.Context, c CompleteUploadJob) (Result, error) {
	js, is, as := domain.UploadJobStream(c.UploadJobID), domain.FirmwareImageStream(c.FirmwareImageID), domain.AccountStream(c.Account)
	res, err := retry(ctx, func() (Result, error) {
		streams, err := h.store.ReadStreams(ctx, []string{js, is, as})
		if err != nil {
			return Result{}, err
		}
		job, err := asFound(c.Meta, js, streams[js], domain.LoadUploadJob)
		if err != nil {
			return Result{}, err
		}
		existing, err := asFound(c.Meta, is, streams[is], domain.LoadFirmwareImage)
		if err != nil {
			return Result{}, err
		}
		if pos, ok := existing.handledBefore(c.Meta); ok {
			return Result{Position: pos}, nil
		}
		if err := ownUploadJob(job.agg, c.Meta, c.UploadJobID); err != nil {
			return Result{}, err
		}
		spec, err := job.agg.Complete(c.FirmwareImageID, c.BlobKey, c.Checksum, h.now())
		if err != nil {
			return Result{}, err
		}
		img, err := domain.NewFirmwareImage(c.FirmwareImageID, c.Account, spec, h.now())
		if err != nil {
			return Result{}, err
		}
		if existing.exists() {
			return Result{}, domain.ConflictError{Reason: fmt.Sprintf("firmware image %s already exists", c.FirmwareImageID)}
		}
		account, err := rebuild(as, streams[as], domain.LoadAccount)
		if err != nil {
			return Result{}, err
		}
		if err := account.agg.AdmitImage(spec.Size); err != nil {
			return Result{}, err
		}
		return h.saveAll(ctx, c.Meta, []changed{job.changed()}, existing.as(img))
	})
	return res, failed("CompleteUploadJob", err)
}
