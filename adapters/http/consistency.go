package http

import (
	"net/http"
	"sync"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// accountWrites remembers, per account, the position of the last write
// this API answered before the read models reflected it. A read in that
// account first waits for the read models to reach it: the caller reads
// its own writes, while the write itself answered as soon as its events
// were stored. It holds one position per account that wrote recently.
type accountWrites struct {
	mu   sync.Mutex
	last map[domain.AccountID]eventstore.Position
}

func newAccountWrites() *accountWrites {
	return &accountWrites{last: map[domain.AccountID]eventstore.Position{}}
}

// wrote records a write of account that ended at pos.
func (a *accountWrites) wrote(account domain.AccountID, pos eventstore.Position) {
	if pos == (eventstore.Position{}) {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last[account].Less(pos) {
		a.last[account] = pos
	}
}

// pending returns the account's last write, zero when there is none.
func (a *accountWrites) pending(account domain.AccountID) eventstore.Position {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last[account]
}

// reached forgets the account's last write once the read models show it,
// unless a later write came since.
func (a *accountWrites) reached(account domain.AccountID, pos eventstore.Position) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last[account] == pos {
		delete(a.last, account)
	}
}

// readYourWrites makes a read (GET) wait until the read models reflect
// the account's writes that this API answered.
func (d Deps) readYourWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if err := d.awaitOwnWrites(r); err != nil {
				writeError(w, r, d.Log, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// awaitOwnWrites waits until the read models reflect the writes this API
// answered for the request's account: what a read does first, and a POST
// that answers from the read models (a preview) too.
func (d Deps) awaitOwnWrites(r *http.Request) error {
	account := accountOf(r.Context())
	if pos := d.writes.pending(account); pos != (eventstore.Position{}) {
		if err := d.settle(r.Context(), pos); err != nil {
			return err
		}
		d.writes.reached(account, pos)
	}
	return nil
}
