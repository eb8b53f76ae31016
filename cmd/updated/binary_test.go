package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The binary itself, not run(): the settings must reach the Go runtime,
// which reads them only when the process starts. The service prints them
// with its configuration, then fails at once on a database nobody serves.
func TestTheServiceRunsWithSysmonAwakeUnlessTold(t *testing.T) {
	bin := filepath.Join(buildBinaries(t), "updated")
	for _, c := range []struct{ godebug, want string }{
		{"", "GODEBUG=schedtrace=2147483647\n"},
		{"madvdontneed=0", "GODEBUG=madvdontneed=0,schedtrace=2147483647\n"},
		{"schedtrace=0", "GODEBUG=schedtrace=0\n"},
	} {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "GODEBUG="+c.godebug,
			"DATABASE_URL=postgres://nobody@127.0.0.1:1/none?connect_timeout=5", "HTTP_ADDR=127.0.0.1:0", "API_KEYS=k:acme")
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("GODEBUG=%q: the service started without a database:\n%s", c.godebug, out)
		}
		if !strings.Contains(string(out), c.want) {
			t.Errorf("GODEBUG=%q: the service printed\n%s\nwant a line ending in %q", c.godebug, out, c.want)
		}
	}
}
