package esdbtest

import (
	"errors"
	"io"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// streamsService implements the Streams service: Append, Read (with
// catch-up subscriptions), Delete and Tombstone. BatchAppend, which the v4
// client never calls, stays unimplemented.
type streamsService struct {
	api.UnimplementedStreamsServer
	server *Server
}

// Append reads the options, then the proposed events, and answers Success
// or WrongExpectedVersion; a deleted stream, a missing required metadata
// property and an oversized append are errors, as on EventStoreDB.
func (s *streamsService) Append(as api.Streams_AppendServer) error {
	name, expected, events, err := s.readAppend(as)
	if err != nil {
		return reply(as, err)
	}
	if err := s.server.appendFault(name); err != nil {
		return reply(as, err)
	}
	res := s.server.store.append(name, expected, events)
	switch res.outcome {
	case streamDeleted:
		return reply(as, errStreamDeleted(name))
	case wrongVersion:
		return as.SendAndClose(&api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{
			WrongExpectedVersion: wrongExpectedVersion(expected, res.revision)}})
	case written: // answered below
	}
	success := &api.AppendResp_Success{
		CurrentRevisionOption: &api.AppendResp_Success_NoStream{NoStream: &shared.Empty{}},
		PositionOption:        &api.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}},
	}
	if res.revision >= 0 {
		success.CurrentRevisionOption = &api.AppendResp_Success_CurrentRevision{CurrentRevision: uint64(res.revision)}
	}
	if res.hasPosition {
		success.PositionOption = &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{
			CommitPosition: res.position, PreparePosition: res.position}}
	}
	return as.SendAndClose(&api.AppendResp{Result: &api.AppendResp_Success_{Success: success}})
}

// readAppend reads an append's messages up to the end of the client stream.
func (s *streamsService) readAppend(as api.Streams_AppendServer) (string, int64, []proposed, error) {
	first, err := as.Recv()
	if err != nil {
		return "", 0, nil, err
	}
	options := first.GetOptions()
	if options == nil {
		return "", 0, nil, errInvalid("an append starts with its options")
	}
	name := string(options.GetStreamIdentifier().GetStreamName())
	if name == "" || name == "$all" {
		return "", 0, nil, errInvalid("cannot append to stream %q", name)
	}
	expected, err := expectedRevision(options.GetExpectedStreamRevision())
	if err != nil {
		return "", 0, nil, err
	}
	var events []proposed
	size := 0
	for {
		req, err := as.Recv()
		if errors.Is(err, io.EOF) {
			return name, expected, events, nil
		}
		if err != nil {
			return "", 0, nil, err
		}
		e, n, err := proposedEvent(req.GetProposedMessage())
		if err != nil {
			return "", 0, nil, err
		}
		if size += n; size > s.server.maxAppendSize {
			return "", 0, nil, errMaxAppendSize(s.server.maxAppendSize)
		}
		events = append(events, e)
	}
}

// proposedEvent checks one proposed event and returns its size as
// EventStoreDB counts it against the maximum append size.
func proposedEvent(m *api.AppendReq_ProposedMessage) (proposed, int, error) {
	if m == nil {
		return proposed{}, 0, errInvalid("after the options an append sends only proposed messages")
	}
	id, err := uuidFromProto(m.GetId())
	if err != nil {
		return proposed{}, 0, errInvalid("proposed message id: %v", err)
	}
	eventType, ok := m.GetMetadata()["type"]
	if !ok {
		return proposed{}, 0, errMissingMetadata("type")
	}
	contentType, ok := m.GetMetadata()["content-type"]
	if !ok {
		return proposed{}, 0, errMissingMetadata("content-type")
	}
	e := proposed{id: id, eventType: eventType, contentType: contentType,
		data: nonNil(m.GetData()), metadata: nonNil(m.GetCustomMetadata())}
	return e, len(eventType) + len(e.data) + len(e.metadata), nil
}

// wrongExpectedVersion fills both the current fields and those of servers
// up to 20.6, as EventStoreDB does.
func wrongExpectedVersion(expected, current int64) *api.AppendResp_WrongExpectedVersion {
	w := &api.AppendResp_WrongExpectedVersion{}
	if current < 0 {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
		w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: &shared.Empty{}}
	} else {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current)}
		w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: uint64(current)}
	}
	switch expected {
	case expectAny:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: &shared.Empty{}}
	case expectStreamExists:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: &shared.Empty{}}
	case expectNoStream:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
	default:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: uint64(expected)}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: uint64(expected)}
	}
	return w
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
