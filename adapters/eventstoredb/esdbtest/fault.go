package esdbtest

import (
	"fmt"

	"google.golang.org/grpc/codes"
)

// FailAppends makes the server refuse every append to a stream for which
// fail returns true, as EventStoreDB answers a write that timed out before
// it committed (status aborted, "operation timed out"): nothing is
// written. Tests use it to fail one stream of a multi-stream append. Nil
// heals: appends succeed again.
func (s *Server) FailAppends(fail func(stream string) bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.failAppend = fail
}

// appendFault returns the error an append to stream is refused with, or
// nil when it may go on.
func (s *Server) appendFault(stream string) error {
	s.faultMu.Lock()
	fail := s.failAppend
	s.faultMu.Unlock()
	if fail == nil || !fail(stream) {
		return nil
	}
	return &rpcError{code: codes.Aborted, message: fmt.Sprintf("Operation timed out: append to %s did not commit", stream)}
}
