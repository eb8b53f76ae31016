package projections

import (
	"context"
	"fmt"
	"time"

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
}

var manifestList = listSpec{
	columns: `m.id, m.account_id, m.name, m.description, m.device_class, m.device_vendor, m."timestamp",
		m.manifest_schema_version, m.delivered_payload_type, m.delivered_payload_url, m.delivered_payload_digest,
		m.delivered_payload_size, m.datafile, m.datafile_size, m.key_table, m.created_at, m.updated_at, m.etag`,
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
		"etag":                     {"m.etag", kindText},
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
