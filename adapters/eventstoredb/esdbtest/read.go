package esdbtest

import (
	"regexp"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// Read answers reads of a stream or of $all, forwards or backwards, and,
// with the subscription option, catch-up subscriptions. It never sends the
// first/last stream position messages, which this client cannot parse
// (they need a compatibility control option it does not set).
func (s *streamsService) Read(req *api.ReadReq, rs api.Streams_ReadServer) error {
	o := req.GetOptions()
	if o == nil {
		return reply(rs, errInvalid("a read needs options"))
	}
	structured := o.GetUuidOption().GetString_() == nil
	f, err := newFilter(o.GetFilter())
	if err != nil {
		return reply(rs, err)
	}
	if o.GetSubscription() != nil {
		return reply(rs, s.subscribe(rs, o, f, structured))
	}
	count := o.GetCount()
	forwards := o.GetReadDirection() == api.ReadReq_Options_Forwards
	switch {
	case o.GetStream() != nil:
		return reply(rs, s.readStream(rs, o.GetStream(), forwards, count, structured))
	case o.GetAll() != nil:
		return reply(rs, s.readAll(rs, o.GetAll(), forwards, count, f, structured))
	}
	return reply(rs, errInvalid("a read names a stream or $all"))
}

// readStream sends up to count events of one stream. A stream without
// events, or soft-deleted, answers StreamNotFound; a tombstoned one is an
// error.
func (s *streamsService) readStream(rs api.Streams_ReadServer, o *api.ReadReq_Options_StreamOptions, forwards bool, count uint64, structured bool) error {
	name := string(o.GetStreamIdentifier().GetStreamName())
	events, visible, state := s.server.store.readStream(name)
	switch state {
	case deleted:
		return errStreamDeleted(name)
	case notFound:
		return rs.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)}}}})
	case readable: // its events are sent below
	}
	last := uint64(len(events) - 1)
	var from uint64
	switch v := o.GetRevisionOption().(type) {
	case *api.ReadReq_Options_StreamOptions_Revision:
		from = v.Revision
	case *api.ReadReq_Options_StreamOptions_End:
		from = last + 1
		if !forwards {
			from = last
		}
	}
	if forwards {
		for rev := max(from, visible); rev <= last && count > 0; rev, count = rev+1, count-1 {
			if err := rs.Send(readEvent(events[rev], structured)); err != nil {
				return err
			}
		}
		return nil
	}
	for rev := int64(min(from, last)); rev >= int64(visible) && count > 0; rev, count = rev-1, count-1 {
		if err := rs.Send(readEvent(events[rev], structured)); err != nil {
			return err
		}
	}
	return nil
}

// readAll sends up to count events of the log that pass the filter.
// Forwards, a position is inclusive; backwards, exclusive.
func (s *streamsService) readAll(rs api.Streams_ReadServer, o *api.ReadReq_Options_AllOptions, forwards bool, count uint64, f *filter, structured bool) error {
	log, _ := s.server.store.snapshot()
	var i int
	switch v := o.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Start:
		i = 0
	case *api.ReadReq_Options_AllOptions_End:
		i = len(log)
	case *api.ReadReq_Options_AllOptions_Position:
		i = indexAfter(log, v.Position.GetCommitPosition(), v.Position.GetPreparePosition(), true)
	}
	step := 1
	if !forwards {
		i, step = i-1, -1
	}
	for ; i >= 0 && i < len(log) && count > 0; i += step {
		if !f.match(log[i]) {
			continue
		}
		if err := rs.Send(readEvent(log[i], structured)); err != nil {
			return err
		}
		count--
	}
	return nil
}

// filter selects events of $all by stream name or event type, with
// prefixes or a regular expression. A nil filter selects everything.
type filter struct {
	byType     bool
	prefixes   []string
	re         *regexp.Regexp
	checkpoint uint64 // send a checkpoint every so many considered events; 0: never
}

// defaultSearchWindow is EventStoreDB's read batch size, the search
// window of a filter without a maximum.
const defaultSearchWindow = 32

func newFilter(o *api.ReadReq_Options_FilterOptions) (*filter, error) {
	if o == nil {
		return nil, nil
	}
	f := &filter{}
	var e *api.ReadReq_Options_FilterOptions_Expression
	switch v := o.GetFilter().(type) {
	case *api.ReadReq_Options_FilterOptions_StreamIdentifier:
		e = v.StreamIdentifier
	case *api.ReadReq_Options_FilterOptions_EventType:
		f.byType, e = true, v.EventType
	default:
		return nil, errInvalid("a filter is on the stream identifier or the event type")
	}
	f.prefixes = e.GetPrefix()
	if r := e.GetRegex(); r != "" {
		re, err := regexp.Compile(r)
		if err != nil {
			return nil, errInvalid("filter regex %q: %v", r, err)
		}
		f.re = re
	}
	if len(f.prefixes) == 0 && f.re == nil {
		return nil, errInvalid("a filter needs prefixes or a regex")
	}
	window := uint64(o.GetMax())
	if window == 0 {
		window = defaultSearchWindow
	}
	f.checkpoint = window * uint64(max(o.GetCheckpointIntervalMultiplier(), 1))
	return f, nil
}

func (f *filter) match(r *record) bool {
	if f == nil {
		return true
	}
	subject := r.stream
	if f.byType {
		subject = r.eventType
	}
	if f.re != nil {
		return f.re.MatchString(subject)
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(subject, p) {
			return true
		}
	}
	return false
}
