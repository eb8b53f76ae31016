// Package sysmon keeps the Go runtime's monitor thread (sysmon) of the
// project's binaries from polling every 20 µs under load.
package sysmon

import (
	"os"
	"strings"
	"syscall"
)

// Setting is the GODEBUG setting that keeps sysmon out of its deep sleep:
// the largest schedtrace period, 2147483647 ms (24.8 days), between two
// scheduler summary lines on stderr.
//
// Why: whenever every P is idle, sysmon sleeps until the next system call
// wakes it, and then polls every 20 µs for at least a millisecond. A
// service waiting on its database goes idle and busy again thousands of
// times a second, so sysmon polled at 20 µs almost all the time: a fifth
// of the service's CPU under load in perf, on the 2-core bench machine.
// With schedtrace set it never sleeps deeply and backs off to 10 ms while
// it has nothing to do; the bench's single commands went from 43% to 49%
// of raw inserts. The cost: idle, about 10 more context switches a second
// and no CPU time that 20 s could tell apart; and one summary line on a
// host up for more than 24.8 days (Go counts from boot), then one every
// 24.8 days.
const Setting = "schedtrace=2147483647"

// KeepAwake executes this binary again with Setting added to GODEBUG:
// the runtime reads schedtrace only when the process starts. It returns
// without doing so when GODEBUG already names schedtrace
// (GODEBUG=schedtrace=0 turns this off) or when the binary cannot be
// executed again; the program then runs as it is. Call it first in main.
func KeepAwake() {
	godebug, again := withSetting(os.Getenv("GODEBUG"))
	if !again {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	env := append(withoutGODEBUG(os.Environ()), "GODEBUG="+godebug)
	_ = syscall.Exec(exe, os.Args, env) // returns only on failure
}

// withSetting returns GODEBUG with Setting added, and whether it added
// it: not when the settings already name schedtrace.
func withSetting(godebug string) (string, bool) {
	for setting := range strings.SplitSeq(godebug, ",") {
		if name, _, _ := strings.Cut(setting, "="); strings.TrimSpace(name) == "schedtrace" {
			return godebug, false
		}
	}
	if strings.TrimSpace(godebug) == "" {
		return Setting, true
	}
	return godebug + "," + Setting, true
}

// withoutGODEBUG returns the environment without its GODEBUG entries.
func withoutGODEBUG(env []string) []string {
	kept := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GODEBUG=") {
			kept = append(kept, kv)
		}
	}
	return kept
}
