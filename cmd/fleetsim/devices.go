package main

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// Resources of the LwM2M firmware-update object the devices use.
const (
	manifestResource = "/10252/0/1"
	stateResource    = "/10252/0/2"
	resultResource   = "/10252/0/3"
)

// simulator is the device connector of one account with its devices: it
// takes the account's manifest writes and plays each written device's
// script on the shard the device hashes to.
type simulator struct {
	account   account
	fleet     *fleet
	shards    []*shard
	notify    *notifier
	latency   time.Duration
	heartbeat time.Duration
	batch     int
	flush     time.Duration
	log       *slog.Logger
	start     time.Time // the shards' clock starts here

	running sync.WaitGroup
	writes  atomic.Int64
	// misrouted counts the writes refused because their async id names
	// another account than the connector key's.
	misrouted atomic.Int64
	// flakyWritten holds the flaky devices written once (index → true).
	flakyWritten sync.Map
}

// newSimulator makes account a's connector for fleet f with
// c.WebhookParallel shards; run starts them.
func newSimulator(c config, a account, f *fleet, notify *notifier, log *slog.Logger) *simulator {
	s := &simulator{account: a, fleet: f, notify: notify, latency: c.Latency, heartbeat: c.Heartbeat,
		batch: c.Batch, flush: c.Flush, log: log, start: time.Now()}
	for range c.WebhookParallel {
		s.shards = append(s.shards, newShard(s, c.Prefix))
	}
	return s
}

// now is the shards' clock: monotonic nanoseconds since the start.
func (s *simulator) now() int64 { return int64(time.Since(s.start)) }

// run plays the shards until ctx ends; wait waits for them.
func (s *simulator) run(ctx context.Context) {
	for _, sh := range s.shards {
		s.running.Go(func() { sh.run(ctx) })
		s.running.Go(func() { sh.post(ctx) })
	}
}

func (s *simulator) wait() { s.running.Wait() }

// deviceRequest takes a manifest write: 202 at once, as Connect does; the
// device answers later through the webhook. Every write plays the device's
// script again, a repeated one too: a service that lost the first answers
// (it crashed while holding them) and sends again must get them again, and
// the answers repeated to a service that had them change nothing there. A
// write whose async id is the service's and names another account than
// the key's is refused (400) and counted: the service sent one account's
// write with another's credentials.
func (s *simulator) deviceRequest(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Method     string `json:"method"`
		URI        string `json:"uri"`
		PayloadB64 string `json:"payload-b64"`
	}
	asyncID := r.URL.Query().Get("async-id")
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<20)).Decode(&req)
	switch {
	case err != nil:
		connectError(w, http.StatusBadRequest, "body: "+err.Error())
		return
	case req.Method != http.MethodPut || req.URI != manifestResource:
		connectError(w, http.StatusBadRequest, "only PUT "+manifestResource+" is simulated")
		return
	case asyncID == "":
		connectError(w, http.StatusBadRequest, "async-id is required")
		return
	}
	if named, _, _, ok := domain.ParseAsyncID(asyncID); ok && string(named) != s.account.Name {
		s.misrouted.Add(1)
		s.log.Error("manifest write of one account sent with another's connector key", "key_of", s.account.Name, "async_id_of", named)
		connectError(w, http.StatusBadRequest, "the async id names account "+string(named)+", the connector key is account "+s.account.Name+"'s")
		return
	}
	i, ok := s.fleet.index(r.PathValue("device"))
	switch {
	case !ok:
		connectError(w, http.StatusNotFound, "no such device")
		return
	case s.fleet.category(i) == catDeregistered:
		connectError(w, http.StatusGone, "device is not registered")
		return
	}
	w.WriteHeader(http.StatusAccepted)
	s.write(i, asyncID)
}

// write plays device i's script for a write with the given async id.
func (s *simulator) write(i int, asyncID string) {
	s.writes.Add(1)
	switch cat := s.fleet.category(i); cat {
	case catSilent:
		return
	case catUptodate, catWrongClass:
		s.log.Warn("manifest written to a device the service should have skipped", "device", s.fleet.id(i), "category", cat)
	case catSuccess, catFail, catReject, catDeregistered, catFlaky:
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(asyncID))
	// The clone keeps the id's few bytes rather than the request line it
	// was cut from, for as long as the device waits to answer.
	e := entry{asyncID: strings.Clone(asyncID), hash: h.Sum64(), index: uint32(i), recovered: s.recovers(i, asyncID)}
	// The index is hash enough: a campaign writes devices in pages of
	// consecutive ids, which i%shards spreads evenly, and a device always
	// lands on the same shard, which keeps its items in order.
	sh := s.shards[i%len(s.shards)]
	sh.pause(&e, s.fleet.device(i), s.now())
	sh.add(e)
}

// recovers reports whether a write to device i finds it recovered: a
// flaky device fails its first write and installs any later one. Writes
// are counted, not async ids: the service names a campaign's every
// attempt at a device with the same async id.
func (s *simulator) recovers(i int, _ string) bool {
	if s.fleet.category(i) != catFlaky {
		return false
	}
	_, seen := s.flakyWritten.LoadOrStore(i, true)
	return seen
}

// connectError answers with an error object.
func connectError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "error", "code": status, "message": message})
}
