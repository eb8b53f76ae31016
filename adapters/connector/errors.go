package connector

import (
	"errors"
	"fmt"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// ErrRejected is what every *RejectedError matches with errors.Is: the
// connector refused the request and the same request will be refused
// again, so the device's send has failed for good.
var ErrRejected = errors.New("connector rejected the request")

// ErrUnavailable is what every *UnavailableError matches with errors.Is:
// the connector could not take the request now; send it again later.
var ErrUnavailable = errors.New("connector unavailable")

// ErrNotConfigured is what every *NotConfiguredError matches with
// errors.Is: the service has no connector credentials for the account.
var ErrNotConfigured = errors.New("no device connector credentials for the account")

// NotConfiguredError says a write was not sent because the client has no
// connector credentials for the device's account: sending it with
// another account's would hand the device to the wrong tenant. It stays
// so until the service is configured with the account's credentials, so
// it is permanent: the device's send is recorded as failed with this
// message.
type NotConfiguredError struct {
	// Account is the account without credentials.
	Account domain.AccountID
	// Device is the device the write was for.
	Device domain.DeviceID
}

func (e *NotConfiguredError) Error() string {
	return fmt.Sprintf("no device connector credentials are configured for account %s: the write to device %s was not sent", e.Account, e.Device)
}

// Is makes errors.Is(err, ErrNotConfigured) true.
func (e *NotConfiguredError) Is(target error) bool { return target == ErrNotConfigured }

// Kind reports domain.KindInvalid: queue middleware does not retry it.
func (e *NotConfiguredError) Kind() domain.Kind { return domain.KindInvalid }

// Permanent reports true: the campaign engine records the failure.
func (e *NotConfiguredError) Permanent() bool { return true }

// RejectedError says the connector answered a request with a 4xx status
// that retrying cannot change (unknown device, bad request, bad key).
type RejectedError struct {
	// Device is the device the request was for.
	Device domain.DeviceID
	// Status is the connector's HTTP status.
	Status int
	// Message is the connector's explanation, if it gave one.
	Message string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("connector rejected the request for device %s: status %d: %s", e.Device, e.Status, e.Message)
}

// Is makes errors.Is(err, ErrRejected) true.
func (e *RejectedError) Is(target error) bool { return target == ErrRejected }

// Kind reports domain.KindInvalid so that queue middleware, which retries
// only internal errors, does not retry a request the connector refused.
func (e *RejectedError) Kind() domain.Kind { return domain.KindInvalid }

// UnavailableError says the connector did not take the request: a network
// error or timeout (Status 0, Err set), or a 5xx, 408 or 429 status.
type UnavailableError struct {
	// Device is the device the request was for.
	Device domain.DeviceID
	// Status is the connector's HTTP status; 0 when none came back.
	Status int
	// Message is the connector's explanation, if it gave one.
	Message string
	// RetryAfter is how long the connector asked the caller to wait; zero
	// when it did not say.
	RetryAfter time.Duration
	// Err is the transport error when no status came back.
	Err error
}

func (e *UnavailableError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("connector unavailable for device %s: %v", e.Device, e.Err)
	}
	return fmt.Sprintf("connector unavailable for device %s: status %d: %s", e.Device, e.Status, e.Message)
}

// Is makes errors.Is(err, ErrUnavailable) true.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// Unwrap returns the transport error, so that callers can tell a context
// cancellation from a connector failure.
func (e *UnavailableError) Unwrap() error { return e.Err }

// Temporary reports true: the request may succeed when sent again.
func (e *UnavailableError) Temporary() bool { return true }

// Permanent reports true: sending the same write again will be refused
// again, so the campaign engine records the failure instead of retrying.
func (e *RejectedError) Permanent() bool { return true }
