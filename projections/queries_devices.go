package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/updateservice/updateservice/domain"
)

// Device is a device of the built-in catalog as the API shows it.
type Device struct {
	ID               domain.DeviceID    `db:"device_id"`
	AccountID        domain.AccountID   `db:"account_id"`
	Name             string             `db:"name"`
	Description      string             `db:"description"`
	DeviceClass      string             `db:"device_class"`
	VendorID         string             `db:"vendor_id"`
	FirmwareChecksum string             `db:"firmware_checksum"`
	Groups           []string           `db:"groups"`
	Mechanism        domain.Mechanism   `db:"mechanism"`
	MechanismURL     string             `db:"mechanism_url"`
	State            domain.DeviceState `db:"state"`
	// ActiveCampaignID is the campaign the device is updating in, or nil.
	ActiveCampaignID *domain.CampaignID `db:"active_campaign_id"`
	CreatedAt        time.Time          `db:"created_at"`
	UpdatedAt        time.Time          `db:"updated_at"`
}

// deviceFields are the filterable device fields, of the API's lists and
// of campaigns' device filters alike.
var deviceFields = fields{
	"id":                {"d.device_id", kindText},
	"name":              {"d.name", kindText},
	"description":       {"d.description", kindText},
	"device_class":      {"d.device_class", kindText},
	"vendor_id":         {"d.vendor_id", kindText},
	"firmware_checksum": {"d.firmware_checksum", kindText},
	"groups":            {"d.groups", kindTextSet},
	"mechanism":         {"d.mechanism", kindText},
	"mechanism_url":     {"d.mechanism_url", kindText},
	"state":             {"d.state", kindText},
	"created_at":        {"d.created_at", kindTime},
	"updated_at":        {"d.updated_at", kindTime},
}

// Devices are listed by id, the primary key's order, so that a page of a
// million-device catalog is an index range scan; the cursor is the id.
var deviceList = listSpec{
	columns: `d.device_id, d.account_id, d.name, d.description, d.device_class, d.vendor_id, d.firmware_checksum,
		d.groups, d.mechanism, d.mechanism_url, d.state, d.active_campaign_id, d.created_at, d.updated_at`,
	from:   "devices d",
	keys:   []string{"d.device_id"},
	cursor: func(p string) string { return p },
	fields: deviceFields,
}

// deviceScope restricts devices to the account's ($1) catalog: a device
// known only through a campaign or a resource report, never registered
// here, has no state and is not in the catalog.
const deviceScope = "d.account_id = $1 AND d.state IS NOT NULL"

// Device returns a device of the account's catalog, registered or
// deregistered.
func (q *Queries) Device(ctx context.Context, account domain.AccountID, id domain.DeviceID) (Device, error) {
	d, err := one[Device](ctx, q, domain.NotFoundError{Object: "device", ID: string(id)},
		fmt.Sprintf("SELECT %s FROM %s WHERE %s AND d.device_id = $2", deviceList.columns, deviceList.from, deviceScope), account, id)
	if err != nil {
		return d, fmt.Errorf("projections.Device: %w", err)
	}
	return d, nil
}

// ListDevices returns a page of the account's catalog in id order.
func (q *Queries) ListDevices(ctx context.Context, account domain.AccountID, req ListRequest) (Page[Device], error) {
	p, err := list[Device](ctx, q, deviceList, deviceScope, sqlArgs{account}, req)
	if err != nil {
		return p, fmt.Errorf("projections.ListDevices: %w", err)
	}
	return p, nil
}

// ValidateDeviceFilter checks a campaign's device filter: every term must
// parse and name a device field with an operator and value it takes. The
// error is an InvalidError of field device_filter naming the bad term.
func ValidateDeviceFilter(filter string) error {
	_, _, err := deviceFilterSQL(filter, &sqlArgs{})
	return err
}

// deviceFilterSQL compiles a device filter; where is "" when it has no term.
func deviceFilterSQL(filter string, args *sqlArgs) (where string, f Filter, err error) {
	f, err = ParseFilter(filter)
	if err == nil {
		where, err = deviceFields.where(f, args)
	}
	if err != nil {
		return "", nil, domain.InvalidError{Field: "device_filter", Reason: err.Error()}
	}
	return where, f, nil
}

// MatchingDevices returns up to limit devices of the account's catalog
// matching a campaign's device filter, in id order, after the id after
// (empty: from the start). The engine pages through a campaign's devices
// with it, so it never holds more than a page of ids.
//
// Each page walks the primary key from after, filtering on the way, so the
// pages of a campaign read the account's catalog once in all. The planner
// is told not to sort: when the statistics lag behind the catalog (devices
// registered in bulk since the last ANALYZE), it would otherwise collect
// every device after the cursor and sort them for each page, which costs
// a scan of the rest of the catalog per page.
//
// A selection with groups adds one condition, that the device is in one of
// them (as a groups__in filter term would): the same walk on the primary
// key, so a campaign made through Campaigner's API is paged like any other.
// A selection with devices (a retry campaign's list) keeps only those.
func (q *Queries) MatchingDevices(ctx context.Context, account domain.AccountID, sel domain.DeviceSelection, after domain.DeviceID, limit int) ([]domain.DeviceID, error) {
	if limit <= 0 {
		return nil, domain.InvalidError{Field: "limit", Reason: fmt.Sprintf("%d is not positive", limit)}
	}
	args := sqlArgs{account, after}
	where, err := selectionSQL(sel, &args)
	if err != nil {
		return nil, fmt.Errorf("projections.MatchingDevices: %w", err)
	}
	sql := fmt.Sprintf("SELECT d.device_id FROM devices d WHERE %s AND d.device_id > $2%s ORDER BY d.device_id LIMIT %d", deviceScope, where, limit)
	var ids []domain.DeviceID
	err = pgx.BeginTxFunc(ctx, q.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue("SET LOCAL enable_sort = off")
		b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
			var err error
			ids, err = pgx.CollectRows(rows, pgx.RowTo[domain.DeviceID])
			return err
		})
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return nil, fmt.Errorf("projections.MatchingDevices: %w", err)
	}
	return ids, nil
}

// selectionSQL compiles a campaign's device selection into conditions on
// the devices d, each led by " AND "; "" when it selects every device.
// MatchingDevices and MatchingDeviceFacts share it, so that a preview
// reads exactly the devices a start pages through.
func selectionSQL(sel domain.DeviceSelection, args *sqlArgs) (string, error) {
	where, _, err := deviceFilterSQL(sel.Filter, args)
	if err != nil {
		return "", err
	}
	if where != "" {
		where = " AND " + where
	}
	if len(sel.Groups) > 0 {
		where += fmt.Sprintf(" AND d.groups && %s::text[]", args.add(sel.Groups))
	}
	if len(sel.Devices) > 0 {
		where += fmt.Sprintf(" AND d.device_id = ANY(%s::text[])", args.add(sel.Devices))
	}
	return where, nil
}
