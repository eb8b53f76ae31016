package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of the CPU times in /proc: Linux's USER_HZ, 100 a
// second on every architecture Go builds for.
const clockTick = 10 * time.Millisecond

// cpuUse is how much CPU the parts of a scenario used in a phase: this
// process (the load driver, and the baselines' client), the service's
// process, and every process named postgres on the machine (the bench's
// server, and any other running beside it); and how much of the
// machine's CPU time was idle. It is read from /proc: elsewhere it is
// missing and nothing is reported.
type cpuUse struct {
	bench, service, postgres time.Duration
	idle, total              time.Duration // of all CPUs, from /proc/stat
	missing                  bool
}

// cpuSample is the CPU used so far, with each postgres process on its own:
// server processes start and end during a phase (autovacuum workers), and
// one that ended must not take its earlier time off the phase.
type cpuSample struct {
	use      cpuUse
	postgres map[string]time.Duration // by pid
}

// sampleCPU reads the CPU use now; servicePID 0 means no service process.
func sampleCPU(servicePID int) cpuSample {
	missing := cpuSample{use: cpuUse{missing: true}}
	s := cpuSample{postgres: map[string]time.Duration{}}
	var err error
	if s.use.bench, err = processCPU("self"); err != nil {
		return missing
	}
	if servicePID != 0 {
		if s.use.service, err = processCPU(strconv.Itoa(servicePID)); err != nil {
			return missing
		}
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		if comm, err := os.ReadFile(filepath.Join(dir, "comm")); err == nil && strings.TrimSpace(string(comm)) == "postgres" {
			if t, err := processCPU(filepath.Base(dir)); err == nil { // else it just ended
				s.postgres[filepath.Base(dir)] = t
			}
		}
	}
	if s.use.idle, s.use.total, err = machineCPU(); err != nil {
		return missing
	}
	return s
}

// since is the CPU used between an earlier sample and this one. A
// postgres process that started in between counts whole; one that ended
// counts nothing of the interval (its last moments are lost).
func (s cpuSample) since(earlier cpuSample) cpuUse {
	u := cpuUse{bench: s.use.bench - earlier.use.bench, service: s.use.service - earlier.use.service,
		idle: s.use.idle - earlier.use.idle, total: s.use.total - earlier.use.total,
		missing: s.use.missing || earlier.use.missing}
	for pid, t := range s.postgres {
		u.postgres += t - earlier.postgres[pid]
	}
	return u
}

func (u *cpuUse) add(v cpuUse) {
	*u = cpuUse{bench: u.bench + v.bench, service: u.service + v.service, postgres: u.postgres + v.postgres,
		idle: u.idle + v.idle, total: u.total + v.total, missing: u.missing || v.missing}
}

// processCPU is a process's user and system CPU time (/proc/PID/stat).
func processCPU(pid string) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The name, in parentheses, may hold spaces; the fields after it
	// start with the state (field 3), so utime and stime (14, 15) are the
	// 12th and 13th.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%s/stat: %d fields", pid, len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%s/stat: times %q %q", pid, fields[11], fields[12])
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// machineCPU is the idle and the total CPU time of all CPUs (/proc/stat).
func machineCPU() (idle, total time.Duration, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	for i, f := range fields[1:] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/stat: %w", err)
		}
		if i >= 8 { // guest times are already counted in user and nice
			break
		}
		total += time.Duration(n) * clockTick
		if i == 3 || i == 4 { // idle, iowait
			idle += time.Duration(n) * clockTick
		}
	}
	return idle, total, nil
}

// reportCPU prints the CPU a phase used per request, split by process.
func (b *bench) reportCPU(u cpuUse, n int, service bool) {
	if u.missing || n == 0 || u.total <= 0 {
		return
	}
	per := func(d time.Duration) int64 { return d.Microseconds() / int64(n) }
	line := fmt.Sprintf("  CPU per request: PostgreSQL %d µs, the bench's clients %d µs", per(u.postgres), per(u.bench))
	if service {
		line += fmt.Sprintf(", service %d µs", per(u.service))
	}
	fmt.Fprintf(b.out, "%s; machine %.0f%% idle\n", line, 100*float64(u.idle)/float64(u.total))
}
