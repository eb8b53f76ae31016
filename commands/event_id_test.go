package commands

import "testing"

// The ids of a command's events are stored: a command retried after an
// upgrade must derive the same ones, or the store keeps its events twice.
func TestEventIDsDeriveAsStored(t *testing.T) {
	for _, c := range []struct {
		command, stream string
		i               int
		want            string
	}{
		{"req-1", "device-acme-d1", 0, "26892dfb-3a63-5ad9-913e-5f564b6139df"},
		{"idempotency:acme:k", "campaign-x", 12, "e86b434e-dc96-568e-8f30-7dbec370c0c8"},
	} {
		if got := eventID(c.command, c.stream, c.i).String(); got != c.want {
			t.Errorf("eventID(%q, %q, %d) = %s, want %s", c.command, c.stream, c.i, got, c.want)
		}
	}
}
