package projections

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// Manifest is a firmware manifest as the API shows it.
type Manifest struct {
	ID                     domain.ManifestID  `db:"id"`
	AccountID              domain.AccountID   `db:"account_id"`
	Name                   string             `db:"name"`
	Description            string             `db:"description"`
	DeviceClass            string             `db:"device_class"`
	DeviceVendor           string             `db:"device_vendor"`
	Timestamp              time.Time          `db:"timestamp"`
	SchemaVersion          string             `db:"manifest_schema_version"`
	DeliveredPayloadType   domain.PayloadType `db:"delivered_payload_type"`
	DeliveredPayloadURL    string             `db:"delivered_payload_url"`
	DeliveredPayloadDigest string             `db:"delivered_payload_digest"`
	DeliveredPayloadSize   int64              `db:"delivered_payload_size"`
	Datafile               string             `db:"datafile"`
	DatafileSize           int64              `db:"datafile_size"`
	KeyTable               string             `db:"key_table"`
	CreatedAt              time.Time          `db:"created_at"`
	UpdatedAt              time.Time          `db:"updated_at"`
	Etag                   string             `db:"etag"`
	PrecursorPayloadDigest string             `db:"precursor_payload_digest"`
	UpdatePriority         int64              `db:"update_priority"`
	ComponentName          string             `db:"component_name"`
	PayloadVersion         string             `db:"payload_version"`
	// ParsedRawManifest is the manifest file as JSON; empty without a file.
	ParsedRawManifest string `db:"parsed_raw_manifest"`
}

// ManifestFiles are a manifest's uploaded file and key table; nil when
// it has none.
type ManifestFiles struct {
	Datafile []byte
	KeyTable []byte
}

var manifestList = listSpec{
	columns: `m.id, m.account_id, m.name, m.description, m.device_class, m.device_vendor, m."timestamp",
		m.manifest_schema_version, m.delivered_payload_type, m.delivered_payload_url, m.delivered_payload_digest,
		m.delivered_payload_size, m.datafile, m.datafile_size, m.key_table, m.created_at, m.updated_at, m.etag,
		m.precursor_payload_digest, m.update_priority, m.component_name, m.payload_version, m.parsed_raw_manifest`,
	from: "manifests m",
	keys: []string{"m.created_at", "m.id"},
	cursor: func(p string) string {
		return "SELECT created_at, id FROM manifests WHERE account_id = $1 AND id = " + p
	},
	fields: fields{
		"id":                       {"m.id", kindText},
		"name":                     {"m.name", kindText},
		"description":              {"m.description", kindText},
		"device_class":             {"m.device_class", kindText},
		"device_vendor":            {"m.device_vendor", kindText},
		"manifest_schema_version":  {"m.manifest_schema_version", kindText},
		"delivered_payload_type":   {"m.delivered_payload_type", kindText},
		"delivered_payload_url":    {"m.delivered_payload_url", kindText},
		"delivered_payload_digest": {"m.delivered_payload_digest", kindText},
		"delivered_payload_size":   {"m.delivered_payload_size", kindInt},
		"datafile":                 {"m.datafile", kindText},
		"datafile_size":            {"m.datafile_size", kindInt},
		"key_table":                {"m.key_table", kindText},
		"etag":                     {"m.updated_at", kindTime}, // the API's etag is updated_at
		"precursor_payload_digest": {"m.precursor_payload_digest", kindText},
		"update_priority":          {"m.update_priority", kindInt},
		"timestamp":                {`m."timestamp"`, kindTime},
		"created_at":               {"m.created_at", kindTime},
		"updated_at":               {"m.updated_at", kindTime},
	},
}

// manifestScope restricts manifests to the account's ($1) catalog:
// deleted manifests keep their rows but are gone for the API.
const manifestScope = "m.account_id = $1 AND m.deleted_at IS NULL"

// Manifest returns one of the account's manifests.
func (q *Queries) Manifest(ctx context.Context, account domain.AccountID, id domain.ManifestID) (Manifest, error) {
	m, err := one[Manifest](ctx, q, domain.NotFoundError{Object: "firmware manifest", ID: string(id)},
		fmt.Sprintf("SELECT %s FROM %s WHERE %s AND m.id = $2", manifestList.columns, manifestList.from, manifestScope), account, id)
	if err != nil {
		return m, fmt.Errorf("projections.Manifest: %w", err)
	}
	return m, nil
}

// ListManifests returns a page of the account's manifests in creation order.
func (q *Queries) ListManifests(ctx context.Context, account domain.AccountID, req ListRequest) (Page[Manifest], error) {
	p, err := list[Manifest](ctx, q, manifestList, manifestScope, sqlArgs{account}, req)
	if err != nil {
		return p, fmt.Errorf("projections.ListManifests: %w", err)
	}
	return p, nil
}

// ManifestFiles returns the file and key table uploaded with one of the
// account's manifests.
func (q *Queries) ManifestFiles(ctx context.Context, account domain.AccountID, id domain.ManifestID) (ManifestFiles, error) {
	var datafile, keyTable string
	err := q.pool.QueryRow(ctx, "SELECT m.datafile_content, m.key_table_content FROM "+manifestList.from+
		" WHERE "+manifestScope+" AND m.id = $2", account, id).Scan(&datafile, &keyTable)
	if errors.Is(err, pgx.ErrNoRows) {
		err = domain.NotFoundError{Object: "firmware manifest", ID: string(id)}
	}
	var f ManifestFiles
	if err == nil {
		f.Datafile, err = decodeContent(datafile)
	}
	if err == nil {
		f.KeyTable, err = decodeContent(keyTable)
	}
	if err != nil {
		return ManifestFiles{}, fmt.Errorf("projections.ManifestFiles: %w", err)
	}
	return f, nil
}

// decodeContent reads a base64 content column; an empty one is none.
func decodeContent(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	return base64.StdEncoding.DecodeString(s)
}
