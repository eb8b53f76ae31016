package projections_test

import (
	"testing"

	"github.com/updateservice/updateservice/projections"
)

// A rebuild from position zero into a fresh schema writes exactly the rows
// the live runner wrote while the history was being appended.
func TestRebuildEqualsLiveReadModels(t *testing.T) {
	f := newFixture(t)
	history := mixedHistory(t, 1, 60)

	// The live runner follows the appends as they happen, in small
	// batches that cut through multi-stream appends.
	live := start(projections.NewRunner(f.pool, f.store, projections.Config{BatchSize: 7}))
	end := f.appendAll(t, coalesced(history, 4))
	live.waitFor(t, end)
	live.stop(t)

	rebuildPool := f.schemaPool(t, "rebuild")
	runTo(t, projections.NewRunner(rebuildPool, f.store, projections.Config{}), end)

	assertSameReadModels(t, f.pool, "public", "rebuild")
	assertCountersMatchMetadata(t, f.pool)
	assertCountersMatchMetadata(t, rebuildPool)
}
