package eventstore_test

import (
	"testing"

	"github.com/updateservice/updateservice/domain/eventstore"
)

func TestParsePositionReadsWhatStringWrites(t *testing.T) {
	for _, want := range []eventstore.Position{{}, {Commit: 7, Prepare: 7}, {Commit: 12, Prepare: 9}, {Commit: 1 << 62, Prepare: 3}} {
		got, err := eventstore.ParsePosition(want.String())
		if err != nil || got != want {
			t.Errorf("ParsePosition(%q) = %v, %v; want %v", want.String(), got, err, want)
		}
	}
}

func TestParsePositionRefusesOtherText(t *testing.T) {
	for _, s := range []string{"", "x", "-1", "1/", "/1", "1/2/3", "1.5"} {
		if _, err := eventstore.ParsePosition(s); err == nil {
			t.Errorf("ParsePosition(%q) = nil error, want one", s)
		}
	}
}
