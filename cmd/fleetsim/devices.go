package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Resources of the LwM2M firmware-update object the devices use.
const (
	manifestResource = "/10252/0/1"
	stateResource    = "/10252/0/2"
	resultResource   = "/10252/0/3"
)

// simulator is the device connector with its devices: it takes manifest
// writes and plays each written device's script.
type simulator struct {
	ctx       context.Context // ends the devices' scripts
	devices   map[string]*device
	notify    *notifier
	latency   time.Duration
	heartbeat time.Duration
	log       *slog.Logger

	scripts sync.WaitGroup
	writes  atomic.Int64
}

func newSimulator(ctx context.Context, c config, fleet []device, notify *notifier, log *slog.Logger) *simulator {
	s := &simulator{ctx: ctx, devices: make(map[string]*device, len(fleet)), notify: notify,
		latency: c.Latency, heartbeat: c.Heartbeat, log: log}
	for i := range fleet {
		s.devices[fleet[i].ID] = &fleet[i]
	}
	return s
}

// handler serves the part of Connect's API the service uses.
func (s *simulator) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/device-requests/{device}", s.deviceRequest)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	return mux
}

// deviceRequest takes a manifest write: 202 at once, as Connect does; the
// device answers later through the webhook. Every write plays the device's
// script again, a repeated one too: a service that lost the first answers
// (it crashed while holding them) and sends again must get them again, and
// the answers repeated to a service that had them change nothing there.
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
	d, ok := s.devices[r.PathValue("device")]
	switch {
	case !ok:
		connectError(w, http.StatusNotFound, "no such device")
		return
	case d.Category == catDeregistered:
		connectError(w, http.StatusGone, "device is not registered")
		return
	}
	s.writes.Add(1)
	w.WriteHeader(http.StatusAccepted)
	if d.Category == catSilent {
		return
	}
	if d.Category == catUptodate || d.Category == catWrongClass {
		s.log.Warn("manifest written to a device the service should have skipped", "device", d.ID, "category", d.Category)
	}
	s.scripts.Go(func() { s.play(d, asyncID) })
}

// play runs a device's script for one write: the async response, then its
// update states, then its update result, each after a seeded latency.
func (s *simulator) play(d *device, asyncID string) {
	h := fnv.New64a()
	_, _ = h.Write([]byte(asyncID))
	p := player{sim: s, device: d, rand: rand.New(rand.NewPCG(d.seed, h.Sum64()))}
	if !p.pause() {
		return
	}
	s.notify.send(s.ctx, message{device: d.ID, async: &asyncResponse{ID: asyncID, Status: d.AsyncStatus, Error: d.AsyncError}})
	if d.AsyncStatus >= 300 {
		return
	}
	for _, state := range d.States {
		if !p.pause() {
			return
		}
		p.report(stateResource, state)
	}
	if p.pause() {
		p.report(resultResource, d.Result)
	}
}

// player plays one device's script.
type player struct {
	sim    *simulator
	device *device
	rand   *rand.Rand
	state  int // last update state reported, repeated as heartbeat
}

// report sends a resource value as a notification.
func (p *player) report(path string, value int) {
	if path == stateResource {
		p.state = value
	}
	payload := base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(value)))
	p.sim.notify.send(p.sim.ctx, message{device: p.device.ID,
		note: &notification{EP: p.device.ID, Path: path, CT: "text/plain", Payload: payload}})
}

// pause waits one step (50% to 150% of the latency), repeating the current
// state every heartbeat meanwhile; false when the simulation ends.
func (p *player) pause() bool {
	step := p.sim.latency/2 + time.Duration(p.rand.Int64N(int64(p.sim.latency)+1))
	for {
		wait := step
		if beat := p.sim.heartbeat; beat > 0 && p.state != 0 && step > beat {
			wait = beat
		}
		select {
		case <-p.sim.ctx.Done():
			return false
		case <-time.After(wait):
		}
		if step -= wait; step <= 0 {
			return true
		}
		p.report(stateResource, p.state)
	}
}

// connectError answers with an error object.
func connectError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "error", "code": status, "message": message})
}
