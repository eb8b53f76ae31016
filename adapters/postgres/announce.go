package postgres

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// announceDelay is how long an announcer lets appends gather before it
// tells other processes about them with one NOTIFY. It is under half the
// subscriptions' 100 ms poll, so that a subscription in another process
// still learns of an append sooner than its poll would; the price is up
// to this much more delay before it does.
const announceDelay = 50 * time.Millisecond

// announcer tells subscriptions in other processes (an API split from its
// projector, say) that appends committed: at most one NOTIFY per
// announceDelay for all the appends of this store. Postgres serializes
// the commits of transactions that notify, so a NOTIFY in every append
// would make the appends of all streams wait for each other at commit;
// subscriptions of this process are woken directly (notifier) and skip
// this store's own notifications by their payload.
type announcer struct {
	pool    *pgxpool.Pool
	self    string // the payload: names this store
	pending atomic.Bool
}

// announce sends a NOTIFY after announceDelay, unless one is already
// due: it runs after the commits it announces, so every append made
// before it is visible to the subscriptions it wakes. If it fails, they
// find the appends at their next poll.
func (a *announcer) announce() {
	if !a.pending.CompareAndSwap(false, true) {
		return
	}
	time.AfterFunc(announceDelay, func() {
		a.pending.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = a.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, a.self)
	})
}
