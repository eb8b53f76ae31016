package bus

import (
	"errors"
	"testing"
)

// Every queue the router consumes has a parser for that queue's messages,
// and nothing else has one: a tool sending a file refuses what the
// router would not take.
func TestEveryQueueHasItsParser(t *testing.T) {
	for _, q := range Queues {
		parse, ok := parsers[q.Name]
		if !ok {
			t.Errorf("no parser for %s", q.Name)
			continue
		}
		_, err := parse([]byte(`{}`))
		var invalid *InvalidMessageError
		if !errors.As(err, &invalid) || invalid.Queue != q.Name {
			t.Errorf("an empty payload on %s gives %v, want an InvalidMessageError of that queue", q.Name, err)
		}
	}
	if len(parsers) != len(Queues) {
		t.Errorf("%d parsers for %d queues", len(parsers), len(Queues))
	}
}
