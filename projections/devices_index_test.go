package projections

import (
	"context"
	"testing"

	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
)

// A batch must load each device row through the primary key. An index on
// devices that leads with the account alone can serve the same lookup,
// and Postgres took one whenever its statistics still described the table
// as nearly empty: each lookup then scanned the account's catalog (seen
// with auto_explain in the single-command benchmark). So no index but the
// primary key may lead with account_id.
func TestNoDeviceIndexButThePrimaryKeyLeadsWithTheAccount(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT i.relname FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
		WHERE x.indrelid = 'devices'::regclass AND NOT x.indisprimary AND a.attname = 'account_id'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		t.Errorf("index %s on devices leads with account_id", name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
