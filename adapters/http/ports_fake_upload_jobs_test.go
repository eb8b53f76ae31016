package http_test

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// uploadJobReads fakes the upload job read models with the command side's
// jobs: what was recorded is what is read, at once. The job list answers
// empty and keeps its request; a chunk list answers every chunk.
type uploadJobReads struct {
	cmds  *commands.Handlers
	lists []projections.ListRequest
}

func (f *uploadJobReads) UploadJob(ctx context.Context, account domain.AccountID, id domain.UploadJobID) (projections.UploadJob, error) {
	job, err := f.cmds.UploadJob(ctx, account, id)
	if err != nil {
		return projections.UploadJob{}, err
	}
	out := projections.UploadJob{ID: job.ID(), AccountID: job.AccountID(), Name: job.Name(), Description: job.Description(),
		CreatedAt: job.CreatedAt(), UpdatedAt: job.UpdatedAt()}
	if img := job.FirmwareImageID(); img != "" {
		out.FirmwareImageID = &img
	}
	return out, nil
}

func (f *uploadJobReads) ListUploadJobs(_ context.Context, _ domain.AccountID, req projections.ListRequest) (projections.Page[projections.UploadJob], error) {
	f.lists = append(f.lists, req)
	return projections.Page[projections.UploadJob]{Limit: req.Limit, Order: req.Order}, nil
}

func (f *uploadJobReads) UploadJobChunk(ctx context.Context, account domain.AccountID, id domain.UploadJobID, n int) (projections.UploadJobChunk, error) {
	page, err := f.ListUploadJobChunks(ctx, account, id, projections.ListRequest{})
	if err != nil {
		return projections.UploadJobChunk{}, err
	}
	if n >= len(page.Data) {
		return projections.UploadJobChunk{}, domain.NotFoundError{Object: "upload chunk", ID: fmt.Sprintf("%s/%d", id, n)}
	}
	return page.Data[n], nil
}

func (f *uploadJobReads) ListUploadJobChunks(ctx context.Context, account domain.AccountID, id domain.UploadJobID, req projections.ListRequest) (projections.Page[projections.UploadJobChunk], error) {
	job, err := f.cmds.UploadJob(ctx, account, id)
	if err != nil {
		return projections.Page[projections.UploadJobChunk]{}, err
	}
	page := projections.Page[projections.UploadJobChunk]{Limit: req.Limit, Order: req.Order}
	for _, c := range job.Chunks() {
		page.Data = append(page.Data, projections.UploadJobChunk{UploadJobID: id, Chunk: c.Number, Length: c.Length, Hash: c.Hash, CreatedAt: c.At})
	}
	return page, nil
}
