package esdbtest

import (
	"context"

	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// Delete soft-deletes a stream: reads answer "not found" until it is
// written again. A wrong expectation is an error here, not an answer.
func (s *streamsService) Delete(ctx context.Context, req *api.DeleteReq) (*api.DeleteResp, error) {
	name := string(req.GetOptions().GetStreamIdentifier().GetStreamName())
	pos, err := s.deleteStream(ctx, "Delete", name, req.GetOptions().GetExpectedStreamRevision(), false)
	if err != nil {
		return nil, err
	}
	return &api.DeleteResp{PositionOption: &api.DeleteResp_Position_{Position: &api.DeleteResp_Position{
		CommitPosition: pos, PreparePosition: pos}}}, nil
}

// Tombstone deletes a stream for good.
func (s *streamsService) Tombstone(ctx context.Context, req *api.TombstoneReq) (*api.TombstoneResp, error) {
	name := string(req.GetOptions().GetStreamIdentifier().GetStreamName())
	pos, err := s.deleteStream(ctx, "Delete", name, req.GetOptions().GetExpectedStreamRevision(), true)
	if err != nil {
		return nil, err
	}
	return &api.TombstoneResp{PositionOption: &api.TombstoneResp_Position_{Position: &api.TombstoneResp_Position{
		CommitPosition: pos, PreparePosition: pos}}}, nil
}

func (s *streamsService) deleteStream(ctx context.Context, op, name string, option any, hard bool) (uint64, error) {
	t := unaryTrailer{ctx}
	if name == "" || name == "$all" {
		return 0, reply(t, errInvalid("cannot delete stream %q", name))
	}
	expected, err := expectedRevision(option)
	if err != nil {
		return 0, reply(t, err)
	}
	res, pos := s.server.store.delete(name, expected, hard)
	switch res.outcome {
	case streamDeleted:
		return 0, reply(t, errStreamDeleted(name))
	case wrongVersion:
		return 0, reply(t, errWrongExpectedVersion(op, name, expected, res.revision))
	case written:
	}
	return pos, nil
}

// unaryTrailer sets trailers from a unary handler.
type unaryTrailer struct{ ctx context.Context }

func (u unaryTrailer) SetTrailer(md metadata.MD) { _ = grpc.SetTrailer(u.ctx, md) }
