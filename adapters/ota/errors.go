package ota

import "fmt"

// The services a client calls, as Error.Service names them.
const (
	ServiceRegistry = "device registry"
	ServiceDirector = "director"
)

// Error says an OTA service failed a call: it answered an error status, an
// answer that could not be read, or no answer at all (after the retries
// for that). A call ended by its context answers the context's error
// instead, never an *Error, so a caller can tell the service's failure
// (the engine fails the batch with ASSIGN_UPDATE_FAILED) from its own
// cancellation.
type Error struct {
	// Service is ServiceRegistry or ServiceDirector.
	Service string
	// Op is the client's operation: "GroupDevices", "Assign", ….
	Op string
	// Status is the last answer's HTTP status; 0 when none came.
	Status int
	// Attempts is how many times the call was tried.
	Attempts int
	// Err is the transport's error, or what the answer said.
	Err error
}

func (e *Error) Error() string {
	status := "no answer"
	if e.Status != 0 {
		status = fmt.Sprintf("status %d", e.Status)
	}
	return fmt.Sprintf("ota: %s %s: %s after %d attempt(s): %v", e.Service, e.Op, status, e.Attempts, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether the failure may pass (no answer, or a 5xx),
// as opposed to a refusal (4xx) that the same call would get again.
func (e *Error) Temporary() bool { return e.Status == 0 || e.Status >= 500 }
