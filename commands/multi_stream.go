package commands

import (
	"context"
	"errors"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// A command that writes several streams (an enrolment page: its devices
// and the campaign; a quota, an end of campaign, a manifest count: the
// campaign or manifest and the account) loads each stream as it found
// it, decides, and saves what each stream lacks, the stream whose events
// follow from the others' last. On EventStoreDB, where a multi-stream
// append is not atomic, a retry after a conflict or a failure on one
// stream thus completes the others and never repeats what is stored.

// loadAsFound is load for a command that writes several streams: the
// aggregate as the command found it (see asFound).
func loadAsFound[A aggregate](ctx context.Context, store Store, meta Meta, stream string, build func([]domain.Event) (A, error)) (loaded[A], error) {
	recorded, err := store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
	if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
		return loaded[A]{}, err
	}
	return asFound(meta, stream, recorded, build)
}

// asFound rebuilds the aggregate of one of the streams a command writes
// as the command found it. A stream that holds the command's events
// already (on EventStoreDB a multi-stream append is not atomic: an attempt
// may have stored some of the command's streams and failed on others) is
// rebuilt from the events before them and marked stored: deciding again
// on it gives the decision made then, which the other streams' decisions
// rest on, and saving leaves it alone, while the streams that lack the
// command's events are decided and appended. So a retried command
// completes every stream it writes; none of them tells alone that the
// command is done.
func asFound[A aggregate](meta Meta, stream string, recorded []eventstore.RecordedEvent, build func([]domain.Event) (A, error)) (loaded[A], error) {
	first := commandStart(meta, stream, recorded)
	if first < 0 {
		return rebuild(stream, recorded, build)
	}
	l, err := rebuild(stream, recorded[:first], build)
	if err != nil {
		return l, err
	}
	last := first
	for last+1 < len(recorded) && recorded[last+1].ID == eventID(meta.CommandID, stream, last+1-first) {
		last++
	}
	l.stored, l.at = true, recorded[last].Position
	return l, nil
}

// commandStart returns the index of the command's first event in a
// stream's events, or -1 when the stream does not hold it.
func commandStart(meta Meta, stream string, recorded []eventstore.RecordedEvent) int {
	if meta.CommandID == "" {
		return -1
	}
	first := eventID(meta.CommandID, stream, 0)
	for i := len(recorded) - 1; i >= 0; i-- {
		if recorded[i].ID == first {
			return i
		}
	}
	return -1
}

// changed is an aggregate to save with the stream its events go to.
type changed struct {
	stream string
	agg    aggregate
	stored bool // the stream holds the command's events already
	at     eventstore.Position
}

// changed is the aggregate's change to save.
func (l loaded[A]) changed() changed { return l.as(l.agg) }

// as is the change to save when the command records on a new aggregate
// (a create) rather than on the one loaded from the stream.
func (l loaded[A]) as(agg aggregate) changed {
	return changed{stream: l.stream, agg: agg, stored: l.stored, at: l.at}
}

// saveAll appends what each aggregate recorded, each expecting the revision
// it was loaded at, in one AppendMulti (one transaction on Postgres, so a
// manifest and its account count change together). last is the stream
// whose events follow from the others': a page summary from the devices'
// enrolments, a campaign's quota from the account's reservation, a
// manifest from its count, a slot's release or a count-out from the end
// or deletion. Marked Last, a store without transactions appends it only
// once the others are stored: a summary never claims what its devices
// lack, and a limit is never exceeded while a retry is due. Streams
// holding the command's events already and aggregates that recorded
// nothing are left out; the result's position is that of the command's
// last event, stored before or now.
func (h *Handlers) saveAll(ctx context.Context, meta Meta, first []changed, last changed) (Result, error) {
	requests := make([]eventstore.AppendRequest, 0, len(first)+1)
	var stored eventstore.Position
	for i, a := range append(first[:len(first):len(first)], last) {
		if a.stored {
			stored = later(stored, a.at)
			continue
		}
		if r, ok := appendRequest(a.stream, a.agg, meta); ok {
			r.Last = i == len(first)
			requests = append(requests, r)
		}
	}
	res, err := h.save(ctx, requests...)
	res.Position = later(res.Position, stored)
	return res, err
}

// later returns the later of two positions.
func later(p, q eventstore.Position) eventstore.Position {
	if p.Less(q) {
		return q
	}
	return p
}
