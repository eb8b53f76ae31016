package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// FirmwareImage is a firmware image as the API shows it.
type FirmwareImage struct {
	ID          domain.FirmwareImageID `db:"id"`
	AccountID   domain.AccountID       `db:"account_id"`
	Name        string                 `db:"name"`
	Description string                 `db:"description"`
	BlobKey     string                 `db:"blob_key"`
	Checksum    string                 `db:"datafile_checksum"`
	Size        int64                  `db:"datafile_size"`
	CreatedAt   time.Time              `db:"created_at"`
	UpdatedAt   time.Time              `db:"updated_at"`
}

var firmwareImageList = listSpec{
	columns: `i.id, i.account_id, i.name, i.description, i.blob_key, i.datafile_checksum, i.datafile_size,
		i.created_at, i.updated_at`,
	from: "firmware_images i",
	keys: []string{"i.created_at", "i.id"},
	cursor: func(p string) string {
		return "SELECT created_at, id FROM firmware_images WHERE account_id = $1 AND id = " + p
	},
	fields: fields{
		"id":                {"i.id", kindText},
		"name":              {"i.name", kindText},
		"description":       {"i.description", kindText},
		"datafile_checksum": {"i.datafile_checksum", kindText},
		"datafile_size":     {"i.datafile_size", kindInt},
		"created_at":        {"i.created_at", kindTime},
		"updated_at":        {"i.updated_at", kindTime},
	},
}

// firmwareImageScope restricts images to the account's ($1): deleted
// images keep their rows but are gone for the API.
const firmwareImageScope = "i.account_id = $1 AND i.deleted_at IS NULL"

// FirmwareImage returns one of the account's images.
func (q *Queries) FirmwareImage(ctx context.Context, account domain.AccountID, id domain.FirmwareImageID) (FirmwareImage, error) {
	img, err := one[FirmwareImage](ctx, q, domain.NotFoundError{Object: "firmware image", ID: string(id)},
		fmt.Sprintf("SELECT %s FROM %s WHERE %s AND i.id = $2", firmwareImageList.columns, firmwareImageList.from, firmwareImageScope), account, id)
	if err != nil {
		return img, fmt.Errorf("projections.FirmwareImage: %w", err)
	}
	return img, nil
}

// ListFirmwareImages returns a page of the account's images in upload
// order, filtered and paged as every Pelion list.
func (q *Queries) ListFirmwareImages(ctx context.Context, account domain.AccountID, req ListRequest) (Page[FirmwareImage], error) {
	p, err := list[FirmwareImage](ctx, q, firmwareImageList, firmwareImageScope, sqlArgs{account}, req)
	if err != nil {
		return p, fmt.Errorf("projections.ListFirmwareImages: %w", err)
	}
	return p, nil
}
