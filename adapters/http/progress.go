package http

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// ProgressStreams paces the campaign progress streams
// (GET /v3/update-campaigns/{id}/progress). Zero fields take the defaults.
type ProgressStreams struct {
	// Poll is how often a stream reads the campaign's numbers again; zero:
	// 500 ms. Each read is a few rows kept per campaign.
	Poll time.Duration
	// KeepAlive is how long a stream may stay silent before a comment
	// line keeps proxies and clients from taking it for dead; zero: 15 s.
	KeepAlive time.Duration
	// PerAccount caps the streams an account holds open at once; zero:
	// 20. One more answers 429: each stream polls the database.
	PerAccount int
	// Stop, closed when the service begins to stop, ends every stream, so
	// that the server's shutdown need not wait for clients that watch on
	// (they reconnect, to another replica or to the next start). Nil:
	// streams end only with their clients or their campaigns.
	Stop <-chan struct{}
}

// writeWait bounds each write of a stream: a client that stops reading
// is let go after it, whatever the server's WriteTimeout was.
const writeWait = 30 * time.Second

// openStreams counts the progress streams open per account.
type openStreams struct {
	mu   sync.Mutex
	open map[domain.AccountID]int
}

func newOpenStreams() *openStreams { return &openStreams{open: map[domain.AccountID]int{}} }

// take opens a stream of account unless it holds max already; release
// closes it.
func (o *openStreams) take(account domain.AccountID, max int) (release func(), ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.open[account] >= max {
		return nil, false
	}
	o.open[account]++
	return func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.open[account]--; o.open[account] == 0 {
			delete(o.open, account)
		}
	}, true
}

// campaignProgress streams a campaign's progress as server-sent events:
// its numbers at once, again whenever they change, and a last time when
// the campaign stopped, was archived or deleted, which ends the stream.
// An unknown campaign answers 404 before any byte of the stream. Events
// are numbered on from a Last-Event-ID, and the first one is always the
// current state, so a reconnecting client misses nothing.
func (d Deps) campaignProgress(w http.ResponseWriter, r *http.Request) {
	ctx, account, id := r.Context(), accountOf(r.Context()), campaignID(r)
	last, err := d.progressOf(ctx, account, id)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	perAccount := cmp.Or(d.Progress.PerAccount, 20)
	release, ok := d.streams.take(account, perAccount)
	if !ok {
		writeError(w, r, d.Log, statusError{http.StatusTooManyRequests, "too_many_requests", fmt.Sprintf(
			"this account has %d progress streams open, the most it may: close one first", perAccount)})
		return
	}
	defer release()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // a buffering proxy would hold the events back
	w.WriteHeader(http.StatusOK)
	s := &eventStream{w: w, rc: http.NewResponseController(w), id: lastEventID(r)}
	if s.send(last) != nil || last.ended() {
		return
	}
	d.followProgress(ctx, s, account, id, last)
}

// followProgress sends the campaign's progress whenever it changes, until
// it ends, the client goes away or a write fails.
func (d Deps) followProgress(ctx context.Context, s *eventStream, account domain.AccountID, id domain.CampaignID, last progressJSON) {
	poll := time.NewTicker(cmp.Or(d.Progress.Poll, 500*time.Millisecond))
	defer poll.Stop()
	keepAlive := cmp.Or(d.Progress.KeepAlive, 15*time.Second)
	quiet := time.NewTimer(keepAlive)
	defer quiet.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-d.Progress.Stop:
			return
		case <-quiet.C:
			err = s.comment("keep-alive")
		case <-poll.C:
			next, rerr := d.progressOf(ctx, account, id)
			switch {
			case domain.KindOf(rerr) == domain.KindNotFound:
				next = last // deleted: its last numbers, as such
				next.Phase = string(domain.PhaseDeleted)
			case rerr != nil:
				if ctx.Err() == nil {
					d.Log.WarnContext(ctx, "progress stream: the read models did not answer; polling on", "campaign", id, "error", rerr)
				}
				continue
			}
			if sameProgress(next, last) {
				continue
			}
			if err = s.send(next); err == nil && next.ended() {
				return
			}
			last = next
		}
		if err != nil {
			return
		}
		quiet.Reset(keepAlive)
	}
}

// sameProgress says whether two payloads would read alike.
func sameProgress(a, b progressJSON) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
}

// lastEventID is the number of the last event a reconnecting client saw:
// the stream numbers on from it. Anything but a number starts from zero.
func lastEventID(r *http.Request) uint64 {
	n, err := strconv.ParseUint(r.Header.Get("Last-Event-ID"), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// eventStream writes server-sent events, each flushed as it is written.
type eventStream struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	id uint64
}

// send writes one progress event: its number, and its data on one line.
func (s *eventStream) send(p progressJSON) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	s.id++
	return s.write(fmt.Sprintf("event: progress\nid: %d\ndata: %s\n\n", s.id, data))
}

// comment writes a comment line, which clients ignore.
func (s *eventStream) comment(text string) error { return s.write(": " + text + "\n\n") }

func (s *eventStream) write(text string) error {
	// A recorder in tests has no deadline to set: nothing to bound there.
	if err := s.rc.SetWriteDeadline(time.Now().Add(writeWait)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if _, err := fmt.Fprint(s.w, text); err != nil {
		return err
	}
	return s.rc.Flush()
}
