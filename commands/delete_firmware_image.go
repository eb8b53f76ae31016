package commands

import (
	"context"

	"github.com/updateservice/updateservice/domain"
)

// DeleteFirmwareImage deletes a firmware image. Its blob is the caller's
// to delete, after this is recorded (FirmwareImage rule 2).
type DeleteFirmwareImage struct {
	Meta
	FirmwareImageID domain.FirmwareImageID
}

// DeleteFirmwareImage handles DeleteFirmwareImage. Another account's image
// is not found.
func (h *Handlers) DeleteFirmwareImage(ctx context.Context, c DeleteFirmwareImage) (Result, error) {
	res, err := update(ctx, h, c.Meta, domain.FirmwareImageStream(c.FirmwareImageID), domain.LoadFirmwareImage,
		func(img *domain.FirmwareImage) error {
			if err := ownFirmwareImage(img, c.Meta, c.FirmwareImageID); err != nil {
				return err
			}
			return img.Delete(h.now())
		})
	return res, failed("DeleteFirmwareImage", err)
}
