package projections

import (
	"encoding/base64"
	"fmt"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// manifestRow is a row of the manifests table; the json tags are its columns.
type manifestRow struct {
	ID                     string     `json:"id"`
	AccountID              string     `json:"account_id"`
	Name                   string     `json:"name"`
	Description            string     `json:"description"`
	DeviceClass            string     `json:"device_class"`
	DeviceVendor           string     `json:"device_vendor"`
	Timestamp              time.Time  `json:"timestamp"`
	SchemaVersion          string     `json:"manifest_schema_version"`
	DeliveredPayloadType   string     `json:"delivered_payload_type"`
	DeliveredPayloadURL    string     `json:"delivered_payload_url"`
	DeliveredPayloadDigest string     `json:"delivered_payload_digest"`
	DeliveredPayloadSize   int64      `json:"delivered_payload_size"`
	Datafile               string     `json:"datafile"`
	DatafileSize           int64      `json:"datafile_size"`
	KeyTable               string     `json:"key_table"`
	CreatedAt              time.Time  `json:"created_at"`
	UpdatedAt              time.Time  `json:"updated_at"`
	DeletedAt              *time.Time `json:"deleted_at"`
	Etag                   string     `json:"etag"`
	PrecursorPayloadDigest string     `json:"precursor_payload_digest"`
	UpdatePriority         int64      `json:"update_priority"`
	ComponentName          string     `json:"component_name"`
	PayloadVersion         string     `json:"payload_version"`
	ParsedRawManifest      string     `json:"parsed_raw_manifest"`
	DatafileContent        string     `json:"datafile_content"`
	KeyTableContent        string     `json:"key_table_content"`
}

var manifestsTable = newTableSpec[manifestRow]("manifests", "id")

// manifestsProjection maintains the firmware catalog from manifest streams.
type manifestsProjection struct {
	rows *rowSet[manifestRow]
}

func newManifestsProjection() *manifestsProjection {
	return &manifestsProjection{rows: newRowSet(manifestsTable, func(r *manifestRow) string { return r.ID })}
}

// OnManifestRegistered writes the manifest's row.
func (p *manifestsProjection) OnManifestRegistered(env envelope, e domain.ManifestRegistered) {
	at := env.at(e.At)
	p.rows.put(string(env.manifestID), &manifestRow{
		ID:                     string(env.manifestID),
		AccountID:              string(e.AccountID),
		Name:                   e.ManifestName,
		Description:            e.Description,
		DeviceClass:            e.DeviceClass,
		DeviceVendor:           e.Vendor,
		Timestamp:              e.Timestamp,
		SchemaVersion:          e.SchemaVersion,
		DeliveredPayloadType:   e.PayloadType,
		DeliveredPayloadURL:    e.PayloadURL,
		DeliveredPayloadDigest: e.PayloadDigest,
		DeliveredPayloadSize:   e.PayloadSize,
		Datafile:               e.DatafileURL,
		DatafileSize:           e.DatafileSize,
		KeyTable:               e.KeyTableURL,
		CreatedAt:              at,
		UpdatedAt:              at,
		Etag:                   env.etag(),
		PrecursorPayloadDigest: e.PrecursorDigest,
		UpdatePriority:         e.UpdatePriority,
		ComponentName:          e.ComponentName,
		PayloadVersion:         e.PayloadVersion,
		ParsedRawManifest:      string(e.ParsedRawManifest),
		DatafileContent:        base64.StdEncoding.EncodeToString(e.File),
		KeyTableContent:        base64.StdEncoding.EncodeToString(e.KeyTable),
	})
}

// OnManifestDeleted keeps the row and records the deletion.
func (p *manifestsProjection) OnManifestDeleted(env envelope, e domain.ManifestDeleted) error {
	r := p.rows.edit(string(env.manifestID))
	if r == nil {
		return fmt.Errorf("manifest %s has no row: ManifestDeleted without ManifestRegistered", env.manifestID)
	}
	at := env.at(e.At)
	r.DeletedAt, r.UpdatedAt, r.Etag = &at, at, env.etag()
	return nil
}
