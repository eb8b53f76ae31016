package projections

import "context"

// SetBeforeCommit makes r call f inside each batch's transaction, after
// the read-model writes and before the commit: tests crash the runner there.
func SetBeforeCommit(r *Runner, f func(ctx context.Context) error) { r.beforeCommit = f }
