package projections_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/updateservice/updateservice/domain/eventstore"
	"github.com/updateservice/updateservice/projections"
)

// BenchmarkRebuild measures the runner over a large mixed history, against
// a baseline measured in the same run: draining the same subscription in
// batches of the same size without projecting. events/s is the runner's
// throughput; x-baseline is its time over the baseline's.
func BenchmarkRebuild(b *testing.B) {
	f := newFixture(b)
	history := mixedHistory(b, 4, 2500)
	end := f.appendAll(b, coalesced(history, 64))
	var events int
	for _, g := range history {
		for _, r := range g {
			events += len(r.Events)
		}
	}

	baseline := drain(b, f.store, end)
	b.ResetTimer()
	var took time.Duration
	for i := range b.N {
		pool := f.schemaPool(b, fmt.Sprintf("bench_%d", i))
		started := time.Now()
		runTo(b, projections.NewRunner(pool, f.store, projections.Config{}), end)
		took += time.Since(started)
	}
	perRun := took / time.Duration(b.N)
	b.ReportMetric(float64(events)/perRun.Seconds(), "events/s")
	b.ReportMetric(float64(perRun)/float64(baseline), "x-baseline")
	b.ReportMetric(float64(events), "events")
}

// drain reads the global order up to end in batches of the runner's
// default size and returns how long that took.
func drain(b *testing.B, source projections.EventSource, end eventstore.Position) time.Duration {
	ctx := context.Background()
	started := time.Now()
	sub, err := source.SubscribeAll(ctx, eventstore.Start)
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	for pos := eventstore.Start; pos.Less(end); {
		events, err := sub.Next(ctx, projections.DefaultBatchSize)
		if err != nil {
			b.Fatal(err)
		}
		pos = events[len(events)-1].Position
	}
	return time.Since(started)
}
