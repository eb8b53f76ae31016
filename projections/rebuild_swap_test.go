package projections_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/projections"
)

// readerFloor is what a reader saw of a campaign before the rebuild: no
// read during or after it may show less.
type readerFloor struct {
	campaigns int
	targeted  int64
	metadata  int
}

// readLoop reads the campaign's counters, its metadata page and the
// account's campaigns through the API's queries until stop closes, and
// reports any read that fails or shows less than floor: an empty or
// half-built table.
func readLoop(ctx context.Context, q *projections.Queries, floor readerFloor, stop <-chan struct{}, reads *atomic.Int64) error {
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		c, err := q.CampaignCounters(ctx, "acme", "acmemain")
		if err != nil {
			return fmt.Errorf("counters: %w", err)
		}
		if c.Targeted < floor.targeted {
			return fmt.Errorf("counters show %d targeted devices, %d before the rebuild", c.Targeted, floor.targeted)
		}
		page, err := q.ListCampaignDeviceMetadata(ctx, "acme", "acmemain", projections.ListRequest{Limit: 1000, IncludeTotal: true})
		if err != nil {
			return fmt.Errorf("metadata: %w", err)
		}
		if int(*page.TotalCount) < floor.metadata {
			return fmt.Errorf("metadata lists %d devices, %d before the rebuild", *page.TotalCount, floor.metadata)
		}
		list, err := q.ListCampaigns(ctx, "acme", projections.ListRequest{Limit: 1000})
		if err != nil {
			return fmt.Errorf("campaigns: %w", err)
		}
		if len(list.Data) < floor.campaigns {
			return fmt.Errorf("%d campaigns listed, %d before the rebuild", len(list.Data), floor.campaigns)
		}
		reads.Add(1)
	}
}

// readFloor reads what the readers' checks compare with, preparing their
// statements on the readers' pool before the swap.
func readFloor(t *testing.T, q *projections.Queries) readerFloor {
	t.Helper()
	ctx := context.Background()
	counters, err := q.CampaignCounters(ctx, "acme", "acmemain")
	if err != nil {
		t.Fatal(err)
	}
	page, err := q.ListCampaignDeviceMetadata(ctx, "acme", "acmemain", projections.ListRequest{Limit: 1000, IncludeTotal: true})
	if err != nil {
		t.Fatal(err)
	}
	list, err := q.ListCampaigns(ctx, "acme", projections.ListRequest{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	floor := readerFloor{campaigns: len(list.Data), targeted: counters.Targeted, metadata: int(*page.TotalCount)}
	if floor.targeted == 0 || floor.metadata == 0 {
		t.Fatalf("the history before the rebuild has no devices in the campaign: %+v", floor)
	}
	return floor
}

// A rebuild while the live runner applies new events and readers query
// the counters, the metadata and the campaigns through a pool whose
// statements were prepared before the swap: no reader ever gets an error,
// an empty table or fewer rows than before; the live runner goes on on
// the new tables, and the read models at the end equal a rebuild from
// zero of everything written before, during and after.
func TestRebuildSwapsTheReadModelsUnderReadersAndWriters(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	history := coalesced(mixedHistory(t, 3, 300), 4)
	before, during := history[:len(history)/2], history[len(history)/2:]
	live := start(projections.NewRunner(f.pool, f.store, projections.Config{BatchSize: 50}))
	live.waitFor(t, f.appendAll(t, before))

	readers, err := pgxpool.New(ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(readers.Close)
	q := projections.NewQueries(readers)
	floor := readFloor(t, q)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads atomic.Int64
	readErrs := make(chan error, 4)
	for range 4 {
		wg.Go(func() { readErrs <- readLoop(ctx, q, floor, stop, &reads) })
	}
	written := make(chan struct{})
	go func() { defer close(written); f.appendAll(t, during) }()
	atSwap, err := projections.Rebuild(ctx, f.pool, f.store, projections.BuildOptions{Schema: "rebuild_scratch", BatchSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	readsAtSwap := reads.Load()
	<-written
	end := f.appendAll(t, coalesced(mixedHistory(t, 4, 5), 4)[:20])
	live.waitFor(t, end)
	close(stop)
	wg.Wait()
	close(readErrs)
	for err := range readErrs {
		if err != nil {
			t.Error(err)
		}
	}
	live.stop(t)
	if readsAtSwap == 0 || reads.Load() == readsAtSwap {
		t.Errorf("%d reads before the rebuild returned, %d in all: the readers must read before and after the swap", readsAtSwap, reads.Load())
	}
	t.Logf("swapped at %s; %d reads", atSwap, reads.Load())

	fromZero := f.schemaPool(t, "fromzero")
	runTo(t, projections.NewRunner(fromZero, f.store, projections.Config{}), end)
	assertSameReadModels(t, f.pool, "public", "fromzero")
	assertNoSchemas(t, f, "rebuild")
}

// assertNoSchemas checks that no schema named with prefix is left.
func assertNoSchemas(t *testing.T, f *fixture, prefix string) {
	t.Helper()
	var schemas []string
	err := f.pool.QueryRow(context.Background(), `SELECT coalesce(array_agg(schema_name::text), '{}')
		FROM information_schema.schemata WHERE starts_with(schema_name, $1)`, prefix).Scan(&schemas)
	if err != nil {
		t.Fatal(err)
	}
	if len(schemas) != 0 {
		t.Errorf("scratch schemas left behind: %v", schemas)
	}
}
