package commands

import (
	"sync"
	"time"
)

// Intake follows the device reports the service has taken in but not yet
// recorded, so that a device's silence is measured against what the
// service has actually processed: a device times out only when it has been
// silent for the timeout on the intake's clock, never because its reports
// wait in a queue while the service lags.
//
// While reports wait, the clock stays at the arrival of the oldest of
// them. Once they are recorded it moves on no faster than the wall clock,
// catching up with it at twice its pace while nothing waits: reports that
// waited outside the service (a connector retrying a body the service
// could not take) come in just after, and still find their devices' clock
// where they left it. The intake is the process's own: batches another
// replica took in are not seen.
type Intake struct {
	now func() time.Time

	mu      sync.Mutex
	waiting map[string]time.Time // id of a batch of reports → when it arrived
	clock   time.Time            // the last reading
	readAt  time.Time            // the wall time of the last reading
}

// NewIntake returns an intake with nothing waiting; now is the wall clock.
func NewIntake(now func() time.Time) *Intake {
	return &Intake{now: now, waiting: map[string]time.Time{}}
}

// Arrived says the batch of reports id arrived at a and waits to be
// recorded.
func (in *Intake) Arrived(id string, a time.Time) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.advance()
	in.waiting[id] = a
}

// Recorded says the batch id is recorded (or refused, or set aside): it
// waits no more. Ids the intake never saw arrive are ignored.
func (in *Intake) Recorded(id string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.advance()
	delete(in.waiting, id)
}

// Clock returns the time up to which the service has taken in every
// report: silence is measured against it.
func (in *Intake) Clock() time.Time {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.advance()
}

// advance moves the clock to now and returns it.
func (in *Intake) advance() time.Time {
	now := in.now()
	reading := now
	for _, a := range in.waiting {
		if a.Before(reading) {
			reading = a
		}
	}
	if !in.readAt.IsZero() {
		pace := time.Duration(1)
		if len(in.waiting) == 0 {
			pace = 2
		}
		if limit := in.clock.Add(pace * now.Sub(in.readAt)); reading.After(limit) {
			reading = limit
		}
	}
	if reading.Before(in.clock) {
		reading = in.clock // the clock never goes back
	}
	in.clock, in.readAt = reading, now
	return reading
}
