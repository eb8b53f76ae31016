package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// peakRSS is the process's peak resident memory, VmHWM in
// /proc/self/status, as "123 MiB"; "unknown" where there is no such file
// (not Linux). It is printed at the end so that a run at fleet scale shows
// what it took, the figure the fleet's compact form is there to keep low.
func peakRSS() string {
	file, err := os.Open("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	defer file.Close()
	lines := bufio.NewScanner(file)
	for lines.Scan() {
		value, ok := strings.CutPrefix(lines.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kB, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(value), " kB"))
		if err != nil {
			return "unknown"
		}
		return fmt.Sprintf("%d MiB", (kB+512)/1024)
	}
	return "unknown"
}
