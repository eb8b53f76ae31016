package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// DeviceOf, given a device stream's events, returns what the live catalog
// shows for the device: for every device of a mixed history (registered,
// updated, deregistered, enrolled, updating, skipped).
func TestDeviceOfEqualsTheCatalog(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	runner := start(projections.NewRunner(f.pool, f.store, projections.Config{}))
	end := f.appendAll(t, mixedHistory(t, 3, 40))
	runner.waitFor(t, end)
	runner.stop(t)

	q := projections.NewQueries(f.pool)
	checked := 0
	for _, account := range []domain.AccountID{"acme", "globex"} {
		page, err := q.ListDevices(ctx, account, projections.ListRequest{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range page.Data {
			recorded, err := f.store.ReadStream(ctx, domain.DeviceStream(account, want.ID), eventstore.ReadStreamOptions{})
			if err != nil {
				t.Fatal(err)
			}
			history := make([]domain.Event, len(recorded))
			for i, r := range recorded {
				if history[i], err = domain.DecodeEvent(r.Type, r.Data); err != nil {
					t.Fatal(err)
				}
			}
			got, err := projections.DeviceOf(account, want.ID, history)
			if err != nil {
				t.Fatalf("DeviceOf %s: %v", want.ID, err)
			}
			// The sim's clock has nanoseconds; Postgres keeps microseconds.
			if diff := cmp.Diff(want, got, cmpopts.EquateApproxTime(time.Microsecond)); diff != "" {
				t.Errorf("device %s/%s (-catalog +DeviceOf):\n%s", account, want.ID, diff)
			}
			checked++
		}
	}
	if checked < 80 {
		t.Fatalf("checked %d devices, want the 80 of the history", checked)
	}
	if _, err := projections.DeviceOf("acme", "nobody", nil); domain.KindOf(err) != domain.KindNotFound {
		t.Errorf("DeviceOf without events: error %v, want not found", err)
	}
}
