package projections

import (
	"fmt"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// firmwareImageRow is a row of the firmware_images table; the json tags
// are its columns.
type firmwareImageRow struct {
	ID          string     `json:"id"`
	AccountID   string     `json:"account_id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	BlobKey     string     `json:"blob_key"`
	Checksum    string     `json:"datafile_checksum"`
	Size        int64      `json:"datafile_size"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"deleted_at"`
}

var firmwareImagesTable = newTableSpec[firmwareImageRow]("firmware_images", "id")

// firmwareImagesProjection maintains the firmware images from their
// streams.
type firmwareImagesProjection struct {
	rows *rowSet[firmwareImageRow]
}

func newFirmwareImagesProjection() *firmwareImagesProjection {
	return &firmwareImagesProjection{rows: newRowSet(firmwareImagesTable, func(r *firmwareImageRow) string { return r.ID })}
}

// OnFirmwareImageUploaded writes the image's row.
func (p *firmwareImagesProjection) OnFirmwareImageUploaded(env envelope, e domain.FirmwareImageUploaded) {
	at := env.at(e.At)
	p.rows.put(string(env.firmwareImageID), &firmwareImageRow{ID: string(env.firmwareImageID), AccountID: string(e.AccountID),
		Name: e.ImageName, Description: e.Description, BlobKey: e.BlobKey, Checksum: e.Checksum, Size: e.Size,
		CreatedAt: at, UpdatedAt: at})
}

// OnFirmwareImageDeleted keeps the row and records the deletion.
func (p *firmwareImagesProjection) OnFirmwareImageDeleted(env envelope, e domain.FirmwareImageDeleted) error {
	r := p.rows.edit(string(env.firmwareImageID))
	if r == nil {
		return fmt.Errorf("firmware image %s has no row: FirmwareImageDeleted without FirmwareImageUploaded", env.firmwareImageID)
	}
	at := env.at(e.At)
	r.DeletedAt, r.UpdatedAt = &at, at
	return nil
}
