package bus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/updateservice/updateservice/domain"
)

// MaxPayloadBytes bounds a message's payload: the largest valid one (a
// log of 1,000 devices) is far below it, and Kafka's default limit is
// about the same.
const MaxPayloadBytes = 1 << 20

// InvalidMessageError says a payload cannot be handled as it is: too
// large, not JSON of the queue's shape, or failing validation. It is never
// retried; the message goes to the poison queue with the error as reason.
type InvalidMessageError struct {
	Queue string
	Err   error
}

func (e *InvalidMessageError) Error() string {
	return fmt.Sprintf("invalid message on %s: %v", e.Queue, e.Err)
}

func (e *InvalidMessageError) Unwrap() error { return e.Err }

// Kind reports domain.KindInvalid.
func (e *InvalidMessageError) Kind() domain.Kind { return domain.KindInvalid }

// errTooLarge is the reason of an oversized payload.
var errTooLarge = fmt.Errorf("payload larger than %d bytes", MaxPayloadBytes)

// decodeMessage reads a queue's payload strictly: one JSON object, no
// unknown fields (a misspelt optional field must not pass unseen), then
// the message's own validation.
func decodeMessage[M Message](queue string, payload []byte) (M, error) {
	var m M
	invalid := func(err error) (M, error) { return m, &InvalidMessageError{Queue: queue, Err: err} }
	if len(payload) > MaxPayloadBytes {
		return invalid(errTooLarge)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return invalid(fmt.Errorf("not a JSON object of this queue: %w", err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid(errors.New("data after the JSON object"))
	}
	if err := m.Validate(); err != nil {
		return invalid(err)
	}
	return m, nil
}
