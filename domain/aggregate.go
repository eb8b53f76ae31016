package domain

import (
	"fmt"
	"slices"
)

// How aggregates are made, loaded and saved:
//
//  1. A command handler loads an aggregate with LoadCampaign, LoadDevice,
//     LoadManifest or LoadAccount from its stream's events (an empty stream
//     gives the zero aggregate), calls one behaviour, then appends Changes()
//     with the expected revision from Revision(): NoStream when exists is
//     false, else Exact(rev). A concurrent writer makes that append fail, and
//     the handler retries from the load.
//  2. Campaign and Manifest are created by a constructor (NewCampaign,
//     NewManifest): their creation event is only ever the first event of
//     their stream, so the handler appends it with NoStream without loading,
//     and a second create with the same id fails in the store. Devices and
//     accounts have no such event: a device registers again after leaving the
//     catalog and an account exists, unlimited, before any limit is set, so
//     both start from a loaded (possibly empty) aggregate.
//  3. A behaviour never changes fields itself: it records events, and only
//     apply changes state. Loading and recording share apply, so a replayed
//     history always rebuilds what the behaviour saw.

// root is the part every aggregate shares: the revision it was loaded at
// and the events recorded since.
type root struct {
	revision uint64
	exists   bool
	changes  []Event
}

// Changes returns the events recorded since the aggregate was loaded, in
// the order they must be appended.
func (r *root) Changes() []Event { return slices.Clone(r.changes) }

// Revision returns the revision of the last event loaded from the store,
// counted from 0 as EventStoreDB does. exists is false for a stream without
// events: the handler then appends with NoStream instead of Exact(rev).
func (r *root) Revision() (rev uint64, exists bool) { return r.revision, r.exists }

// recordWith applies e through apply and keeps it for appending. An apply
// error here is a bug in the behaviour that chose e, so e is not kept.
func (r *root) recordWith(apply func(Event) error, e Event) error {
	if err := apply(e); err != nil {
		return fmt.Errorf("record %s: %w", e.Name(), err)
	}
	r.changes = append(r.changes, e)
	return nil
}

// load applies a stream's history through apply and sets the revision of
// its last event.
func (r *root) load(apply func(Event) error, history []Event) error {
	for i, e := range history {
		if err := apply(e); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
	}
	if n := len(history); n > 0 {
		r.revision, r.exists = uint64(n-1), true
	}
	return nil
}

// unknownEvent is the error of every apply's default branch: a stream that
// holds an event its aggregate does not know cannot be trusted, so loading
// stops instead of skipping the fact.
func unknownEvent(object string, e Event) error {
	if e == nil {
		return fmt.Errorf("%s: cannot apply a nil event", object)
	}
	return fmt.Errorf("%s: cannot apply %s (%T)", object, e.Name(), e)
}

// wrap names the operation that failed, as in "campaign.Start: …", and
// returns nil for nil so behaviours can end with wrap(op, c.record(…)).
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}
