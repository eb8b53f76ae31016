package domain

import (
	"strings"
	"testing"
)

func TestTextRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		free bool
		ok   bool
	}{
		{"plain text passes", "fw 2 — ünï", oneLine, true},
		{"a NUL is refused", "a\x00b", freeText, false},
		{"invalid UTF-8 is refused", "a\xffb", freeText, false},
		{"a bell is refused", "a\ab", freeText, false},
		{"DEL is refused", "a\x7fb", oneLine, false},
		{"a C1 control is refused", "a\u0085b", freeText, false},
		{"a line break in one line is refused", "a\nb", oneLine, false},
		{"line breaks and tabs in free text pass", "a\r\n\tb", freeText, true},
		{"at the length passes", strings.Repeat("é", 10), oneLine, true},
		{"over the length is refused", strings.Repeat("é", 11), oneLine, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := textProblem("field", tc.s, 10, tc.free)
			if (err == nil) != tc.ok {
				t.Errorf("textProblem(%q) = %v, want ok %t", tc.s, err, tc.ok)
			}
			if err != nil && KindOf(err) != KindInvalid {
				t.Errorf("textProblem(%q) is a %s error, want invalid", tc.s, KindOf(err))
			}
		})
	}
}

func TestIDsFollowTheTextRules(t *testing.T) {
	for _, id := range []DeviceID{"a\x00b", "a\x1bb", "a\xffb"} {
		if id.Validate() == nil {
			t.Errorf("device id %q is valid, want refused", id)
		}
	}
	if err := DeviceID("sensor-ü-01.x").Validate(); err != nil {
		t.Errorf("a UTF-8 device id is refused: %v", err)
	}
}
