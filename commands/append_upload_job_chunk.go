package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// AppendUploadJobChunk records a chunk whose bytes the caller has already
// stored as Chunk.BlobKey. When it is refused, the caller deletes that
// blob.
type AppendUploadJobChunk struct {
	Meta
	UploadJobID domain.UploadJobID
	Chunk       domain.UploadChunk
}

// AppendUploadJobChunk handles AppendUploadJobChunk: the chunks' total is
// measured against the account's firmware limits.
func (h *Handlers) AppendUploadJobChunk(ctx context.Context, c AppendUploadJobChunk) (Result, error) {
	js, as := domain.UploadJobStream(c.UploadJobID), domain.AccountStream(c.Account)
	res, err := retry(ctx, func() (Result, error) {
		streams, err := h.store.ReadStreams(ctx, []string{js, as})
		if err != nil {
			return Result{}, err
		}
		job, err := asFound(c.Meta, js, streams[js], domain.LoadUploadJob)
		if err != nil {
			return Result{}, err
		}
		if pos, ok := job.handledBefore(c.Meta); ok {
			return Result{Position: pos}, nil
		}
		account, err := rebuild(as, streams[as], domain.LoadAccount)
		if err != nil {
			return Result{}, err
		}
		if err := ownUploadJob(job.agg, c.Meta, c.UploadJobID); err != nil {
			return Result{}, err
		}
		if err := job.agg.AppendChunk(c.Chunk, account.agg, h.now()); err != nil {
			return Result{}, err
		}
		return h.saveAll(ctx, c.Meta, nil, job.changed())
	})
	return res, failed("AppendUploadJobChunk", err)
}
