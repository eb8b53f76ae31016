package commands

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// UploadFirmwareImage records a firmware image whose content the caller
// has already stored as a blob, measuring its size and SHA-256 on the way.
// The image is checked against the account's firmware limits; when it is
// refused, the caller deletes the blob it stored.
type UploadFirmwareImage struct {
	Meta
	FirmwareImageID domain.FirmwareImageID
	Spec            domain.FirmwareImageSpec
}

// UploadFirmwareImage handles UploadFirmwareImage. An image id that is
// taken answers domain.ConflictError.
func (h *Handlers) UploadFirmwareImage(ctx context.Context, c UploadFirmwareImage) (Result, error) {
	is, as := domain.FirmwareImageStream(c.FirmwareImageID), domain.AccountStream(c.Account)
	res, err := retry(ctx, func() (Result, error) {
		streams, err := h.store.ReadStreams(ctx, []string{is, as})
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
		img, err := domain.NewFirmwareImage(c.FirmwareImageID, c.Account, c.Spec, h.now())
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
		if err := account.agg.AdmitImage(c.Spec.Size); err != nil {
			return Result{}, err
		}
		return h.saveAll(ctx, c.Meta, nil, existing.as(img))
	})
	return res, failed("UploadFirmwareImage", err)
}
