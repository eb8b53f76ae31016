package http_test

import (
	"context"
	"time"

	"github.com/updateservice/updateservice/adapters/memstore"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// imageReads fakes the image read model with the command side's images:
// what was recorded is what is read, at once. Lists answer empty and keep
// their request.
type imageReads struct {
	cmds  *commands.Handlers
	lists []projections.ListRequest
}

func newImageReads(store *memstore.Store) *imageReads {
	return &imageReads{cmds: commands.New(store, time.Now)}
}

func (f *imageReads) FirmwareImage(ctx context.Context, account domain.AccountID, id domain.FirmwareImageID) (projections.FirmwareImage, error) {
	img, err := f.cmds.FirmwareImage(ctx, account, id)
	if err != nil {
		return projections.FirmwareImage{}, err
	}
	s := img.Spec()
	return projections.FirmwareImage{ID: img.ID(), AccountID: img.AccountID(), Name: s.Name, Description: s.Description,
		BlobKey: s.BlobKey, Checksum: s.Checksum, Size: s.Size, CreatedAt: img.CreatedAt(), UpdatedAt: img.CreatedAt()}, nil
}

func (f *imageReads) ListFirmwareImages(_ context.Context, _ domain.AccountID, req projections.ListRequest) (projections.Page[projections.FirmwareImage], error) {
	f.lists = append(f.lists, req)
	return projections.Page[projections.FirmwareImage]{Limit: req.Limit, Order: req.Order}, nil
}
