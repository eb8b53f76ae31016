package esdbtest

import (
	"github.com/google/uuid"

	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// subscription is one catch-up subscription's progress.
type subscription struct {
	rs         api.Streams_ReadServer
	filter     *filter
	structured bool
	caughtUp   bool
	dropped    <-chan struct{}
	considered uint64 // events looked at since the last checkpoint
}

// subscribe runs a catch-up subscription: a confirmation first, then the
// stored events after the start (a start position or revision is
// exclusive, as on EventStoreDB), CaughtUp once the end is reached, then
// each new event as it is written, until the client goes away or the
// server stops. With a filter, a checkpoint is sent every window ×
// multiplier events looked at, so a client can move past events it never
// receives.
func (s *streamsService) subscribe(rs api.Streams_ReadServer, o *api.ReadReq_Options, f *filter, structured bool) error {
	sub := &subscription{rs: rs, filter: f, structured: structured, dropped: s.server.dropped()}
	if err := rs.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{
		Confirmation: &api.ReadResp_SubscriptionConfirmation{SubscriptionId: uuid.NewString()}}}); err != nil {
		return err
	}
	if so := o.GetStream(); so != nil {
		return s.followStream(sub, so)
	}
	return s.followAll(sub, o.GetAll())
}

// followAll follows the log after the start.
func (s *streamsService) followAll(sub *subscription, o *api.ReadReq_Options_AllOptions) error {
	log, changed := s.server.store.snapshot()
	next := 0
	switch v := o.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_End:
		next = len(log)
	case *api.ReadReq_Options_AllOptions_Position:
		next = indexAfter(log, v.Position.GetCommitPosition(), v.Position.GetPreparePosition(), false)
	}
	for {
		for ; next < len(log); next++ {
			if err := sub.offer(log[next]); err != nil {
				return err
			}
		}
		if err := sub.endOfLog(); err != nil {
			return err
		}
		if err := s.wait(sub, changed); err != nil {
			return err
		}
		log, changed = s.server.store.snapshot()
	}
}

// followStream follows one stream after the start revision. A tombstone
// ends the subscription with "stream deleted".
func (s *streamsService) followStream(sub *subscription, o *api.ReadReq_Options_StreamOptions) error {
	name := string(o.GetStreamIdentifier().GetStreamName())
	events, visible, tombstone, changed := s.server.store.streamSnapshot(name)
	next := uint64(0)
	switch v := o.GetRevisionOption().(type) {
	case *api.ReadReq_Options_StreamOptions_End:
		next = uint64(len(events))
	case *api.ReadReq_Options_StreamOptions_Revision:
		next = v.Revision + 1
	}
	for {
		for ; next < uint64(len(events)); next++ {
			if next < visible {
				continue
			}
			if err := sub.offer(events[next]); err != nil {
				return err
			}
		}
		if tombstone != nil {
			return errStreamDeleted(name)
		}
		if err := sub.endOfLog(); err != nil {
			return err
		}
		if err := s.wait(sub, changed); err != nil {
			return err
		}
		events, visible, tombstone, changed = s.server.store.streamSnapshot(name)
	}
}

// offer sends the event if it passes the filter, and a checkpoint when
// enough events were looked at.
func (sub *subscription) offer(r *record) error {
	select {
	case <-sub.dropped:
		return errUnavailable
	default:
	}
	if sub.filter.match(r) {
		if err := sub.rs.Send(readEvent(r, sub.structured)); err != nil {
			return err
		}
	}
	if sub.filter == nil || sub.filter.checkpoint == 0 {
		return nil
	}
	if sub.considered++; sub.considered >= sub.filter.checkpoint {
		sub.considered = 0
		return sub.rs.Send(&api.ReadResp{Content: &api.ReadResp_Checkpoint_{Checkpoint: &api.ReadResp_Checkpoint{
			CommitPosition: r.position, PreparePosition: r.position}}})
	}
	return nil
}

// endOfLog sends CaughtUp the first time the subscription reaches the end.
func (sub *subscription) endOfLog() error {
	if sub.caughtUp {
		return nil
	}
	sub.caughtUp = true
	return sub.rs.Send(&api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}})
}

// wait blocks until the next write, the client leaving or the server
// stopping (which ends the call; the client sees the subscription drop).
func (s *streamsService) wait(sub *subscription, changed <-chan struct{}) error {
	select {
	case <-changed:
		return nil
	case <-sub.rs.Context().Done():
		return sub.rs.Context().Err()
	case <-s.server.done:
		return errUnavailable
	case <-sub.dropped:
		return errUnavailable
	}
}
