package memstore

import (
	"context"
	"time"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// SlowAppend appends in a transaction held open for delay after its
// positions are reserved, then commits or rolls back: the late commits and
// aborted writes the contract's concurrency test needs.
func SlowAppend(ctx context.Context, s eventstore.Store, requests []eventstore.AppendRequest, delay time.Duration, commit bool) error {
	if err := eventstore.ValidateAppend(requests); err != nil {
		return err
	}
	t, _, err := s.(*Store).begin(ctx, requests)
	if err != nil || t == nil {
		return err
	}
	time.Sleep(delay)
	if commit {
		t.commit()
	} else {
		t.rollback()
	}
	return nil
}
