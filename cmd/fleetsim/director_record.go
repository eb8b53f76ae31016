package main

import (
	"encoding/json"
	"io"
	"sync"
)

// The events of the Director's record.
const (
	recordAssigned   = "assigned"   // affected: the update is assigned to the device
	recordUnaffected = "unaffected" // answered as not affected
	recordReported   = "reported"   // its outcome went out as an update report
	recordCancelled  = "cancelled"  // its assignment was cancelled before the report
)

// directorEvent is one line of the Director's record (-director-record):
// what it answered and reported for a device in an assignment, so that a
// test computes the figures the service must show from what the
// simulator did, the outcomes being drawn per device and campaign and the
// failed calls by timing. A call answered 503 records nothing.
type directorEvent struct {
	Event         string `json:"event"`
	Namespace     string `json:"namespace"`
	Device        string `json:"device"`
	CorrelationID string `json:"correlationId"`
	// Outcome is a report's: success, a failure code, or none (no code).
	Outcome string `json:"outcome,omitempty"`
}

// directorRecord writes the record as JSON lines, each as it happens, so
// that the file is whole at any time; nil records nothing.
type directorRecord struct {
	mu  sync.Mutex
	out *json.Encoder
}

// newDirectorRecord records to w.
func newDirectorRecord(w io.Writer) *directorRecord {
	return &directorRecord{out: json.NewEncoder(w)}
}

// add writes one event; a write that fails is dropped, as the record
// serves the tests and must not stop the Director.
func (r *directorRecord) add(e directorEvent) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_ = r.out.Encode(e)
}
