package projections_test

import (
	"context"
	"strings"
	"testing"

	"github.com/updateservice/updateservice/projections"
)

func TestADatabaseBuiltFromOneEventStoreRefusesAnother(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := projections.ClaimEventSource(ctx, f.pool, "postgres"); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	if err := projections.ClaimEventSource(ctx, f.pool, "postgres"); err != nil {
		t.Fatalf("the same store again: %v", err)
	}
	err := projections.ClaimEventSource(ctx, f.pool, "eventstoredb")
	if err == nil || !strings.Contains(err.Error(), "built from the postgres event store") {
		t.Fatalf("another store: error %v, want a refusal naming the postgres store", err)
	}
}
