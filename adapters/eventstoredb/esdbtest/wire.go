package esdbtest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// rpcError is an error as EventStoreDB sends it: a gRPC status and, for the
// errors clients tell apart, trailers naming the exception
// (RpcExceptions.cs). The client reads "stream-deleted" and "not-leader"
// from the trailers; the rest it classifies by status code.
type rpcError struct {
	code     codes.Code
	message  string
	trailers metadata.MD
}

func (e *rpcError) Error() string { return e.message }

// trailerSetter is what unary and streaming handlers can set trailers on.
type trailerSetter interface{ SetTrailer(metadata.MD) }

// reply turns err into the status a handler returns, setting the
// exception's trailers on t.
func reply(t trailerSetter, err error) error {
	var e *rpcError
	if !errors.As(err, &e) {
		return err
	}
	if e.trailers != nil {
		t.SetTrailer(e.trailers)
	}
	return status.Error(e.code, e.message)
}

// errUnavailable ends the calls of a server that stops.
var errUnavailable = &rpcError{code: codes.Unavailable, message: "Server is shutting down"}

func errStreamDeleted(stream string) error {
	return &rpcError{codes.FailedPrecondition, fmt.Sprintf("Event stream '%s' is deleted.", stream),
		metadata.Pairs("exception", "stream-deleted", "stream-name", stream)}
}

func errWrongExpectedVersion(operation, stream string, expected, actual int64) error {
	return &rpcError{codes.FailedPrecondition,
		fmt.Sprintf("%s failed due to WrongExpectedVersion. Stream: %s, Expected version: %d, Actual version: %d", operation, stream, expected, actual),
		metadata.Pairs("exception", "wrong-expected-version", "stream-name", stream,
			"expected-version", strconv.FormatInt(expected, 10), "actual-version", strconv.FormatInt(actual, 10))}
}

func errMaxAppendSize(limit int) error {
	return &rpcError{codes.InvalidArgument, fmt.Sprintf("Maximum Append Size of %d Exceeded.", limit),
		metadata.Pairs("exception", "maximum-append-size-exceeded", "maximum-append-size", strconv.Itoa(limit))}
}

func errMissingMetadata(property string) error {
	return &rpcError{codes.InvalidArgument, fmt.Sprintf("Required Metadata Property '%s' is missing", property),
		metadata.Pairs("exception", "missing-required-metadata-property", "required-metadata-properties", "type,content-type")}
}

func errInvalid(format string, args ...any) error {
	return &rpcError{code: codes.InvalidArgument, message: fmt.Sprintf(format, args...)}
}

// uuidFromProto reads an id in either of the wire's forms.
func uuidFromProto(u *shared.UUID) (uuid.UUID, error) {
	switch v := u.GetValue().(type) {
	case *shared.UUID_Structured_:
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], uint64(v.Structured.GetMostSignificantBits()))
		binary.BigEndian.PutUint64(b[8:], uint64(v.Structured.GetLeastSignificantBits()))
		return uuid.UUID(b), nil
	case *shared.UUID_String_:
		return uuid.Parse(v.String_)
	}
	return uuid.Nil, errors.New("no id")
}

// uuidToProto writes an id in the form the reader asked for.
func uuidToProto(id uuid.UUID, structured bool) *shared.UUID {
	if !structured {
		return &shared.UUID{Value: &shared.UUID_String_{String_: id.String()}}
	}
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits:  int64(binary.BigEndian.Uint64(id[:8])),
		LeastSignificantBits: int64(binary.BigEndian.Uint64(id[8:])),
	}}}
}

// readEvent is a record as a Read answer carries it. Every event carries
// the system metadata the client requires: type, content-type and created
// (100-ns ticks since the Unix epoch; the client exits the process when
// created is missing).
func readEvent(r *record, structured bool) *api.ReadResp {
	return &api.ReadResp{Content: &api.ReadResp_Event{Event: &api.ReadResp_ReadEvent{
		Event: &api.ReadResp_ReadEvent_RecordedEvent{
			Id:               uuidToProto(r.id, structured),
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.revision,
			PreparePosition:  r.position,
			CommitPosition:   r.position,
			Metadata: map[string]string{
				"type":         r.eventType,
				"content-type": r.contentType,
				"created":      strconv.FormatInt(r.created, 10),
			},
			CustomMetadata: r.metadata,
			Data:           r.data,
		},
		Position: &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.position},
	}}}
}

// expectedRevision reads the expectation of an append, delete or
// tombstone in EventStoreDB's numbering.
func expectedRevision(option any) (int64, error) {
	switch v := option.(type) {
	case *api.AppendReq_Options_Any, *api.DeleteReq_Options_Any, *api.TombstoneReq_Options_Any:
		return expectAny, nil
	case *api.AppendReq_Options_NoStream, *api.DeleteReq_Options_NoStream, *api.TombstoneReq_Options_NoStream:
		return expectNoStream, nil
	case *api.AppendReq_Options_StreamExists, *api.DeleteReq_Options_StreamExists, *api.TombstoneReq_Options_StreamExists:
		return expectStreamExists, nil
	case *api.AppendReq_Options_Revision:
		return revision(v.Revision)
	case *api.DeleteReq_Options_Revision:
		return revision(v.Revision)
	case *api.TombstoneReq_Options_Revision:
		return revision(v.Revision)
	}
	return 0, errInvalid("no expected stream revision")
}

func revision(r uint64) (int64, error) {
	if r >= deletedStream {
		return 0, errInvalid("expected revision %d is out of range", r)
	}
	return int64(r), nil
}
