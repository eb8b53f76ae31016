// Package ota is the client of the OTA services' HTTP APIs that the
// Campaigner called: the Device Registry (the devices of a group, a
// device's own id) and the Director (assign an update to devices, cancel
// assignments). Every call names its account in the x-ats-namespace
// header, as Campaigner's auth gateway did. Calls that fail for a reason
// that may pass (5xx, a timeout, no connection) are tried again with
// exponential backoff, within Retry's bounds; a 4xx is answered at once.
package ota

import (
	"net/http"
	"time"
)

// NamespaceHeader names the account (Campaigner's namespace) of a call.
const NamespaceHeader = "x-ats-namespace"

// DefaultTimeout bounds one request when Options has no HTTP client: a
// service that does not answer in time counts as failed, and the call is
// tried again.
const DefaultTimeout = 10 * time.Second

// Retry bounds the tries of one call.
type Retry struct {
	// Attempts is the most tries of one call, the first included; 0 with
	// a MaxElapsed: no bound but MaxElapsed.
	Attempts uint
	// MaxElapsed bounds the time of one call's tries and waits; 0 with
	// Attempts: no bound but Attempts.
	MaxElapsed time.Duration
	// Initial is the wait after the first failure; each next wait is
	// about twice the one before (randomised), up to MaxInterval.
	Initial     time.Duration
	MaxInterval time.Duration
}

// DefaultRetry gives a call five tries within 30 s: long enough to ride
// out a restart of the service, short enough that a campaign batch fails
// (ASSIGN_UPDATE_FAILED) rather than holding the engine.
var DefaultRetry = Retry{Attempts: 5, MaxElapsed: 30 * time.Second, Initial: 200 * time.Millisecond, MaxInterval: 5 * time.Second}

// Options are a client's HTTP client and retry bounds.
type Options struct {
	// HTTP sends the requests; nil: a client with DefaultTimeout. A given
	// client should carry its own timeout, as the context alone may have
	// no deadline.
	HTTP *http.Client
	// Retry bounds the tries of each call; a zero field takes
	// DefaultRetry's (Attempts and MaxElapsed together: never unbounded).
	Retry Retry
}

// withDefaults fills what o leaves empty.
func (o Options) withDefaults() Options {
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: DefaultTimeout}
	}
	if o.Retry.Attempts == 0 && o.Retry.MaxElapsed == 0 {
		o.Retry.Attempts, o.Retry.MaxElapsed = DefaultRetry.Attempts, DefaultRetry.MaxElapsed
	}
	if o.Retry.Initial == 0 {
		o.Retry.Initial = DefaultRetry.Initial
	}
	if o.Retry.MaxInterval == 0 {
		o.Retry.MaxInterval = DefaultRetry.MaxInterval
	}
	return o
}
