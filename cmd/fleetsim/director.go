package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// director plays Campaigner's Director: it assigns an update to the
// devices it affects, installs it on each after a seeded latency and
// reports the outcome on Kafka; it cancels assignments not yet reported.
// It fails calls on purpose: a share at random, and all of them during an
// outage window.
type director struct {
	o      otaConfig
	seed   uint64
	fleet  otaFleet
	report reporter
	log    *slog.Logger
	ctx    context.Context // ends the installations in flight

	mu       sync.Mutex
	calls    int
	outage   time.Time // when the outage began; zero before it
	failures *rand.Rand
	running  map[assignmentKey]*assignment

	record *directorRecord // -director-record; nil: none

	assigned, reported, cancelled, failed atomic.Int64
	installs                              sync.WaitGroup
}

// assignmentKey names a device of a namespace.
type assignmentKey struct{ namespace, device string }

// assignment is a device's running assignment: the campaign's correlation
// id and the timer of its installation.
type assignment struct {
	correlationID string
	timer         *time.Timer
}

// newDirector makes a Director whose reports go to report.
func newDirector(ctx context.Context, o otaConfig, seed uint64, fleet otaFleet, report reporter, log *slog.Logger) *director {
	return &director{o: o, seed: seed, fleet: fleet, report: report, log: log, ctx: ctx,
		failures: rand.New(rand.NewPCG(seed, 0xfa11)), running: map[assignmentKey]*assignment{}}
}

// routes adds the Director's API to mux.
func (d *director) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/assignments", namespaced(d.failing(d.assign)))
	mux.HandleFunc("PATCH /api/v1/assignments", namespaced(d.failing(d.cancelMany)))
	mux.HandleFunc("DELETE /api/v1/assignments/{uuid}", namespaced(d.failing(d.cancelOne)))
}

// failing answers 503 to the calls the failure rate or the outage picks.
func (d *director) failing(h func(http.ResponseWriter, *http.Request, string)) func(http.ResponseWriter, *http.Request, string) {
	return func(w http.ResponseWriter, r *http.Request, ns string) {
		if d.fails(time.Now()) {
			d.failed.Add(1)
			otaError(w, http.StatusServiceUnavailable, "service_unavailable", "fleetsim: injected Director failure")
			return
		}
		h(w, r, ns)
	}
}

// fails counts a call and says whether it is to fail.
func (d *director) fails(now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if d.o.OutageFor > 0 && d.calls > d.o.OutageAfter {
		if d.outage.IsZero() {
			d.outage = now
		}
		if now.Before(d.outage.Add(d.o.OutageFor)) {
			return true
		}
	}
	return d.failures.Float64() < d.o.FailureRate
}

// assignRequest is the Director's assignment request.
type assignRequest struct {
	CorrelationID string   `json:"correlationId"`
	Devices       []string `json:"devices"`
	MtuID         string   `json:"mtuId"`
	DryRun        bool     `json:"dryRun"`
}

// assign answers the devices the update affects and, unless it is a dry
// run, starts their installations.
func (d *director) assign(w http.ResponseWriter, r *http.Request, ns string) {
	var req assignRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.CorrelationID == "" || req.MtuID == "" || len(req.Devices) == 0 {
		otaError(w, http.StatusBadRequest, "invalid_entity", "want {correlationId, devices (non-empty), mtuId, dryRun}")
		return
	}
	affected := []string{}
	d.mu.Lock()
	for _, dev := range req.Devices {
		key := assignmentKey{ns, dev}
		event := directorEvent{Event: recordUnaffected, Namespace: ns, Device: dev, CorrelationID: req.CorrelationID}
		if _, busy := d.running[key]; !busy && d.affects(dev) {
			affected, event.Event = append(affected, dev), recordAssigned
			if !req.DryRun {
				d.start(key, req.CorrelationID)
			}
		}
		if !req.DryRun {
			d.record.add(event)
		}
	}
	d.mu.Unlock()
	writeJSON(w, affected)
}

// affects says whether the update fits the device: a device of the
// Registry, outside the seeded unaffected share.
func (d *director) affects(dev string) bool {
	g, i, ok := d.fleet.device(dev)
	return ok && rand.New(rand.NewPCG(d.seed, uint64(g)<<32|uint64(i))).Float64() >= d.o.Unaffected
}

// cancelMany cancels the running assignments of the devices given and
// answers those it cancelled.
func (d *director) cancelMany(w http.ResponseWriter, r *http.Request, ns string) {
	var devices []string
	if err := json.NewDecoder(r.Body).Decode(&devices); err != nil {
		otaError(w, http.StatusBadRequest, "invalid_entity", "want a list of devices")
		return
	}
	cancelled := []string{}
	for _, dev := range devices {
		if d.cancel(assignmentKey{ns, dev}) {
			cancelled = append(cancelled, dev)
		}
	}
	writeJSON(w, cancelled)
}

// cancelOne cancels one device's running assignment, if it has one.
func (d *director) cancelOne(w http.ResponseWriter, r *http.Request, ns string) {
	d.cancel(assignmentKey{ns, r.PathValue("uuid")})
	w.WriteHeader(http.StatusOK)
}

// cancel ends a running assignment before its report; false when the
// device has none.
func (d *director) cancel(key assignmentKey) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.running[key]
	if !ok || !a.timer.Stop() {
		return false
	}
	delete(d.running, key)
	d.installs.Done()
	d.cancelled.Add(1)
	d.record.add(directorEvent{Event: recordCancelled, Namespace: key.namespace, Device: key.device, CorrelationID: a.correlationID})
	return true
}

// stop drops the installations not yet due and waits for those under
// way.
func (d *director) stop() {
	d.mu.Lock()
	for key, a := range d.running {
		if a.timer.Stop() {
			delete(d.running, key)
			d.installs.Done()
		}
	}
	d.mu.Unlock()
	d.installs.Wait()
}
