package domain

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the edges: the HTTP adapter maps kinds to
// status codes and the queue middleware decides by kind whether to retry.
type Kind int

// The error kinds. Domain rejections are KindInvalid, KindNotFound,
// KindConflict or KindForbidden and are never retried; KindInternal covers
// infrastructure failures, which are.
const (
	KindInternal Kind = iota
	KindInvalid
	KindNotFound
	KindConflict
	KindForbidden
)

// String names the kind as it appears in logs and error objects.
func (k Kind) String() string {
	switch k {
	case KindInternal:
		return "internal"
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindForbidden:
		return "forbidden"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// KindOf returns the kind of the first error in err's chain that declares
// one, or KindInternal.
func KindOf(err error) Kind {
	var k interface{ Kind() Kind }
	if errors.As(err, &k) {
		return k.Kind()
	}
	return KindInternal
}

// InvalidError says a command's input is malformed or out of range.
type InvalidError struct {
	Field  string
	Reason string
}

func (e InvalidError) Error() string {
	if e.Field == "" {
		return "invalid: " + e.Reason
	}
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

// Kind reports KindInvalid.
func (InvalidError) Kind() Kind { return KindInvalid }

// NotFoundError says the addressed object does not exist in the account
// (another account's objects are reported the same way).
type NotFoundError struct {
	Object string
	ID     string
}

func (e NotFoundError) Error() string { return fmt.Sprintf("%s %q not found", e.Object, e.ID) }

// Kind reports KindNotFound.
func (NotFoundError) Kind() Kind { return KindNotFound }

// InvalidTransitionError says a behaviour is not allowed in the aggregate's
// current state.
type InvalidTransitionError struct {
	Object string
	From   string
	To     string
}

func (e InvalidTransitionError) Error() string {
	return fmt.Sprintf("%s cannot go from %s to %s", e.Object, e.From, e.To)
}

// Kind reports KindConflict: the request is well-formed but the object's
// state refuses it.
func (InvalidTransitionError) Kind() Kind { return KindConflict }

// ConflictError says a rule about other objects refuses the command, such
// as a device already being in another active campaign.
type ConflictError struct {
	Reason string
}

func (e ConflictError) Error() string { return "conflict: " + e.Reason }

// Kind reports KindConflict.
func (ConflictError) Kind() Kind { return KindConflict }

// LimitExceededError says an account limit refuses the command.
type LimitExceededError struct {
	Limit string
	Max   int
}

func (e LimitExceededError) Error() string {
	return fmt.Sprintf("account limit %s of %d reached", e.Limit, e.Max)
}

// Kind reports KindForbidden.
func (LimitExceededError) Kind() Kind { return KindForbidden }
