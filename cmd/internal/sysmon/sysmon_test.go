package sysmon

import "testing"

func TestGODEBUGGainsSchedtraceUnlessItNamesIt(t *testing.T) {
	for _, c := range []struct {
		godebug, want string
		again         bool
	}{
		{"", "schedtrace=2147483647", true},
		{"madvdontneed=0", "madvdontneed=0,schedtrace=2147483647", true},
		{"gctrace=1,schedtraceish=1", "gctrace=1,schedtraceish=1,schedtrace=2147483647", true},
		{"schedtrace=0", "schedtrace=0", false},
		{"gctrace=1, schedtrace=1000", "gctrace=1, schedtrace=1000", false},
	} {
		got, again := withSetting(c.godebug)
		if got != c.want || again != c.again {
			t.Errorf("withSetting(%q) = %q, %t; want %q, %t", c.godebug, got, again, c.want, c.again)
		}
	}
}
