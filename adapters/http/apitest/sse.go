package apitest

import (
	"bufio"
	"strings"
	"testing"
)

// Event is one block of a server-sent event stream: an event with its
// fields, or a comment.
type Event struct {
	Comment, Event, ID string
	// Data are the event's data lines, in order.
	Data []string
}

// ReadEvent reads the next block of a server-sent event stream, failing
// the test when the stream ends within it or holds a line that is no
// field of the format.
func ReadEvent(t testing.TB, r *bufio.Reader) Event {
	t.Helper()
	var ev Event
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended (%v) within an event: %+v", err, ev)
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			return ev
		}
		if comment, ok := strings.CutPrefix(line, ":"); ok {
			ev.Comment = strings.TrimSpace(comment)
			continue
		}
		field, value, _ := strings.Cut(line, ": ")
		switch field {
		case "event":
			ev.Event = value
		case "id":
			ev.ID = value
		case "data":
			ev.Data = append(ev.Data, value)
		default:
			t.Fatalf("line %q is no field of a server-sent event", line)
		}
	}
}
