package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The binary itself, not run(): the Go runtime reads GOMAXPROCS, GOGC and
// GODEBUG only when the process starts, so only the binary shows that the
// service takes them from its environment as they are, with nothing added
// and no start-up step of its own. The service prints them with its
// configuration, then fails at once on a database nobody serves.
func TestTheBinaryRunsWithTheGoRuntimeSettingsOfItsEnvironment(t *testing.T) {
	bin := filepath.Join(buildBinaries(t), "updated")
	for _, c := range []struct {
		env  []string
		want string
	}{
		{[]string{"GODEBUG=", "GOGC="}, "GOGC=(Go's default) GODEBUG=(Go's default)\n"},
		{[]string{"GOMAXPROCS=1", "GOGC=off", "GODEBUG=madvdontneed=0"}, "GOMAXPROCS=1 GOGC=off GODEBUG=madvdontneed=0\n"},
	} {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), c.env...)
		cmd.Env = append(cmd.Env, "DATABASE_URL=postgres://nobody@127.0.0.1:1/none?connect_timeout=5", "HTTP_ADDR=127.0.0.1:0", "API_KEYS=k:acme")
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("%v: the service started without a database:\n%s", c.env, out)
		}
		if !strings.Contains(string(out), c.want) {
			t.Errorf("%v: the service printed\n%s\nwant a line ending in %q", c.env, out, c.want)
		}
	}
}
