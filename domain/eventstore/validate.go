package eventstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// ValidateAppend refuses, before any I/O, an append no store may take: no
// streams, an empty or system ($-prefixed) stream name, a stream twice, an
// event without id or type, an event id twice, data that is not JSON.
// Every implementation calls it, so all refuse the same appends.
func ValidateAppend(requests []AppendRequest) error {
	if len(requests) == 0 {
		return errors.New("eventstore.Append: no streams to append to")
	}
	seenStreams := make(map[string]bool, len(requests))
	seenIDs := map[uuid.UUID]bool{}
	for _, r := range requests {
		switch {
		case r.Stream == "":
			return errors.New("eventstore.Append: empty stream name")
		case strings.HasPrefix(r.Stream, "$"):
			return fmt.Errorf("eventstore.Append: %s is a system stream", r.Stream)
		case seenStreams[r.Stream]:
			return fmt.Errorf("eventstore.Append: stream %s appears twice in one append", r.Stream)
		}
		seenStreams[r.Stream] = true
		for _, e := range r.Events {
			if e.ID == uuid.Nil || e.Type == "" {
				return fmt.Errorf("eventstore.Append to %s: every event needs an id and a type", r.Stream)
			}
			if seenIDs[e.ID] {
				return fmt.Errorf("eventstore.Append to %s: event id %s appears twice", r.Stream, e.ID)
			}
			seenIDs[e.ID] = true
			if len(e.Data) > 0 && !json.Valid(e.Data) {
				return fmt.Errorf("eventstore.Append to %s: event %s data is not JSON", r.Stream, e.ID)
			}
		}
	}
	return nil
}
