package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/adapters/eventstoredb"
	"github.com/updateservice/updateservice/adapters/eventstoredb/esdbtest"
	"github.com/updateservice/updateservice/adapters/postgres/pgtest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// esdbService is read models in Postgres built from 200 device
// registrations stored in the wire-level EventStoreDB server; it returns
// the database's URL and the server's.
func esdbService(t *testing.T) (string, string) {
	t.Helper()
	ctx := context.Background()
	srv, err := esdbtest.Start("127.0.0.1:0", esdbtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	store, err := eventstoredb.New(eventstoredb.Config{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	url := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := projections.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := projections.ClaimEventSource(ctx, pool, "eventstoredb"); err != nil {
		t.Fatal(err)
	}
	h := commands.New(store, time.Now)
	regs := make([]commands.DeviceRegistration, 200)
	for i := range regs {
		regs[i] = commands.DeviceRegistration{DeviceID: domain.DeviceID(fmt.Sprintf("dev-%03d", i)), Attributes: domain.DeviceAttributes{DeviceClass: "sensor"}}
	}
	res, err := h.RegisterDevices(ctx, commands.RegisterDevices{Meta: commands.Meta{Account: "acme"}, Devices: regs})
	if err != nil {
		t.Fatal(err)
	}
	runner := projections.NewRunner(pool, store, projections.Config{})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runner.Run(runCtx) }()
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := runner.WaitFor(waitCtx, res.Position); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the runner stopped with %v", err)
	}
	return url, srv.URL()
}

// With EVENTSTORE_URL set, replay --verify rebuilds from EventStoreDB, as
// the service reads it; without, it refuses read models built from
// EventStoreDB rather than compare them with the Postgres store's events.
func TestReplayVerifyReadsEventStoreDBWhenConfigured(t *testing.T) {
	ctx := context.Background()
	url, esdbURL := esdbService(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	getenv := func(k string) string { return map[string]string{"DB_URL": url, "EVENTSTORE_URL": esdbURL}[k] }
	if code, stdout, stderr := updatectl(t, getenv, "replay", "--verify"); code != exitOK || !strings.Contains(stdout, "equal a rebuild") {
		t.Fatalf("replay --verify from EventStoreDB: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := pool.Exec(ctx, `UPDATE devices SET device_class = 'gateway' WHERE device_id = 'dev-007'`); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := updatectl(t, getenv, "replay", "--verify")
	if code != exitFailed || !strings.Contains(stdout, "devices  account_id=acme device_id=dev-007  device_class  gateway  sensor") {
		t.Errorf("replay --verify from EventStoreDB after a change: exit %d\n%s", code, stdout)
	}
	withoutESDB := func(k string) string { return map[string]string{"DB_URL": url}[k] }
	if code, _, stderr := updatectl(t, withoutESDB, "replay", "--verify"); code != exitFailed || !strings.Contains(stderr, "built from the eventstoredb event store") {
		t.Errorf("replay --verify without EVENTSTORE_URL on read models built from EventStoreDB: exit %d\n%s", code, stderr)
	}
}
