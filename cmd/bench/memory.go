package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// residentMemory reads this process's current and peak resident memory.
func residentMemory() string {
	rss, err1 := statusField("self", "VmRSS")
	peak, err2 := statusField("self", "VmHWM")
	if err1 != nil || err2 != nil {
		return "unknown"
	}
	return fmt.Sprintf("RSS %s (peak %s)", rss, peak)
}

// peakMemory is a running process's peak resident memory in bytes (VmHWM,
// read from /proc: on Linux only). Read it before the process ends.
func peakMemory(pid int) (int64, error) {
	v, err := statusField(strconv.Itoa(pid), "VmHWM")
	if err != nil {
		return 0, err
	}
	kB, ok := strings.CutSuffix(v, " kB")
	n, err := strconv.ParseInt(strings.TrimSpace(kB), 10, 64)
	if !ok || err != nil {
		return 0, fmt.Errorf("/proc/%d/status: VmHWM %q", pid, v)
	}
	return n << 10, nil
}

// statusField is the value of one field of /proc/PID/status, such as
// "123456 kB" for VmHWM.
func statusField(pid, name string) (string, error) {
	raw, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("/proc/%s/status: no %s", pid, name)
}
